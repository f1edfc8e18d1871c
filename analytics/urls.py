"""Web pages of the analytics app (leaders' dashboard and reports)."""

urlpatterns: list = []
