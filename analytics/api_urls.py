"""API routes of the analytics app (reports)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.views import reports as report_views
from analytics.views import savings as savings_views

urlpatterns: list = [
    path("reports/coverage/", report_views.CoverageReportView.as_view(), name="coverage-report"),
    path("reports/usage/", report_views.UsageReportView.as_view(), name="usage-report"),
    path("reports/savings/", report_views.SavingsReportView.as_view(), name="savings-report"),
    path("reports/payback/", report_views.PaybackReportView.as_view(), name="payback-report"),
]

# Savings: one meeting's breakdown, cost models, investments, the history import.
savings_router = SimpleRouter(trailing_slash=True)
savings_router.register("cost-models", savings_views.CostModelViewSet, basename="cost-model")
savings_router.register("investments", savings_views.InvestmentViewSet, basename="investment")
urlpatterns += [
    path("meetings/<int:pk>/savings/", savings_views.MeetingSavingsView.as_view(), name="meeting-savings"),
    path("history/import/", savings_views.HistoryImportView.as_view(), name="history-import"),
    *savings_router.urls,
]
