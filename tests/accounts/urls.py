"""The site's URLs plus one view marked privileged, to test the MFA gate the decorator adds."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from forum.accounts.decorators import privileged_required


@privileged_required
def privileged_probe(request):
    return HttpResponse("privileged ok")


urlpatterns = [path("test-privileged/", privileged_probe, name="test_privileged"), *site_urlpatterns]
