"""API routes of the analytics app (reports)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.views import coverage as coverage_views
from analytics.views import savings as savings_views
from analytics.views import usage as usage_views

urlpatterns: list = [
    path("reports/coverage/", coverage_views.CoverageReportView.as_view(), name="coverage-report"),
    path("reports/usage/", usage_views.UsageReportView.as_view(), name="usage-report"),
]

# Savings: the savings and payback reports, one meeting's breakdown, cost models, investments, history.
savings_router = SimpleRouter(trailing_slash=True)
savings_router.register("cost-models", savings_views.CostModelViewSet, basename="cost-model")
savings_router.register("investments", savings_views.InvestmentViewSet, basename="investment")
urlpatterns += [
    path("reports/savings/", savings_views.SavingsReportView.as_view(), name="savings-report"),
    path("reports/payback/", savings_views.PaybackReportView.as_view(), name="payback-report"),
    path("meetings/<int:pk>/savings/", savings_views.MeetingSavingsView.as_view(), name="meeting-savings"),
    path("history/import/", savings_views.HistoryImportView.as_view(), name="history-import"),
    *savings_router.urls,
]
