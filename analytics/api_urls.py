"""API routes of the analytics app (reports)."""

urlpatterns: list = []
