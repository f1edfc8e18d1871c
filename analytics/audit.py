"""The audit trail of the analytics app: changes to cost models and investments.

A cost model changes what every savings report says, so who changed a rate, when, and from what
to what is kept (django-auditlog). Registered from AnalyticsConfig.ready().
"""

from auditlog.registry import auditlog

from analytics.models import CostModel, Investment


def register_models() -> None:
    """Register the analytics models with auditlog. Safe to call twice."""
    auditlog.register(CostModel)
    auditlog.register(Investment)
