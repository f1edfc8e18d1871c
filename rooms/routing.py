websocket_urlpatterns: list = [
    # path("ws/meetings/<int:meeting_id>/", consumers.MeetingAttendanceConsumer.as_asgi()),
]
