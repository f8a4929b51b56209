from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def index(request):
    return render(request, "notifications/notification_list.html",
                  {"notifications": request.user.notifications.all()[:50]})
