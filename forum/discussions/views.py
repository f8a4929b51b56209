from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from .models import Post, Thread


@login_required
def thread(request, thread_id):
    return render(request, "discussions/thread_detail.html", {"thread": get_object_or_404(Thread, pk=thread_id)})


@login_required
def post(request, post_id):
    p = get_object_or_404(Post, pk=post_id)
    return redirect(p.thread)
