"""Web pages of the rooms app."""

from django.contrib.auth import views as auth_views
from django.urls import path

from rooms.views import accounts

urlpatterns = [
    path("", accounts.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
]
