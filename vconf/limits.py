"""Bounds written once: the models' constraints, the serializers, the services and the pages read them here."""

from datetime import timedelta

# People in one room: an endpoint's seats, a check-in's head count, an imported head count.
MAX_PEOPLE = 10_000
# Dates outside these years are typing mistakes, refused with a message rather than stored.
MIN_YEAR, MAX_YEAR = 2000, 2100
# One-way road distance from a room to its host: the length of the country, with room to spare.
MAX_ROAD_KM = 2000
# A booking holds its endpoints for at most a day; the overlap queries rely on it.
MAX_MEETING_HOURS = 24
MAX_MEETING = timedelta(hours=MAX_MEETING_HOURS)
# How often a live board without its WebSocket asks the attendance API again.
POLL_SECONDS = 10
