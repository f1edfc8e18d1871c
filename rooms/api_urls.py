"""API routes of the rooms app. Each subject registers its ViewSets and paths here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from rooms.views import accounts

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False

urlpatterns = [
    path("auth/token/", accounts.ObtainToken.as_view(), name="api-token"),
    *router.urls,
]
