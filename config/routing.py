"""Every WebSocket route of the site; each app contributes its own list."""

from django.urls import re_path

from forum.consultations.routing import websocket_urlpatterns as consultation_routes
from forum.core.consumers import NotFoundConsumer
from forum.core.routing import websocket_urlpatterns as core_routes
from forum.discussions.routing import websocket_urlpatterns as discussion_routes
from forum.live.routing import websocket_urlpatterns as live_routes
from forum.notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [
    *core_routes, *notification_routes, *discussion_routes, *live_routes, *consultation_routes,
    re_path(r"", NotFoundConsumer.as_asgi()),  # anything else: 4404, not a server error
]
