from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/consultations/<int:thread_id>/", consumers.ConsultationConsumer.as_asgi()),
]
