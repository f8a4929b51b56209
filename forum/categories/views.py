from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Category


@login_required
def index(request):
    return render(request, "categories/category_list.html",
                  {"categories": Category.objects.filter(parent__isnull=True)})


@login_required
def detail(request, slug):
    category = get_object_or_404(Category, slug=slug)
    return render(request, "categories/category_detail.html", {"category": category})
