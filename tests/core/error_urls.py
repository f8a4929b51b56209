"""The site's URLs plus a view that fails, and a middleware that fails before any other runs."""

from django.urls import path

from config.urls import handler500  # noqa: F401  (the site's 500 handler, as in production)
from config.urls import urlpatterns as site_urlpatterns


def explode(request):
    raise RuntimeError("boom")


class ExplodeEarlyMiddleware:
    """Fails before sessions, LocaleMiddleware and authentication have looked at the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/explode-early/":
            raise RuntimeError("early boom")
        return self.get_response(request)


urlpatterns = [path("explode/", explode), *site_urlpatterns]
