"""Every WebSocket route of the site; each app contributes its own list."""

from forum.core.routing import websocket_urlpatterns as core_routes
from forum.discussions.routing import websocket_urlpatterns as discussion_routes
from forum.notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [*core_routes, *notification_routes, *discussion_routes]
