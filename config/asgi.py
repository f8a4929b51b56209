"""ASGI entry point: HTTP to Django, WebSockets through origin and session checks to the router."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from forum.core.metrics import CountSockets  # noqa: E402
from forum.core.realtime_origin import SiteOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": CountSockets(SiteOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))),
    }
)
