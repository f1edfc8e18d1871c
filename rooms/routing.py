from django.urls import path

from rooms import consumers

websocket_urlpatterns: list = [
    path("ws/meetings/<int:meeting_id>/", consumers.MeetingAttendanceConsumer.as_asgi()),
]
