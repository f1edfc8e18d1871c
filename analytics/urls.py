"""Web pages of the analytics app (leaders' dashboard and reports)."""

from django.urls import path

from analytics.views import coverage as coverage_views
from analytics.views import dashboard as dashboard_views
from analytics.views import history_template

urlpatterns: list = [
    path("bao-cao/phu-song/", coverage_views.coverage_page, name="coverage-page"),
    path("bao-cao/", dashboard_views.dashboard, name="dashboard"),
    path("bao-cao/nhap-lich-su/", dashboard_views.import_history_page, name="import-history"),
    path("bao-cao/nhap-lich-su/mau.csv", history_template.history_template, name="import-history-template"),
]
