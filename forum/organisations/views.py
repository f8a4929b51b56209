from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Organisation


@login_required
def directory(request):
    return render(request, "organisations/organisation_list.html",
                  {"organisations": Organisation.objects.filter(active=True)})


@login_required
def detail(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug, active=True)
    return render(request, "organisations/organisation_detail.html", {"organisation": organisation})
