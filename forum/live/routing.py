from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/rooms/<int:session_id>/", consumers.RoomConsumer.as_asgi()),
]
