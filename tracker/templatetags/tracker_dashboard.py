"""The admin home's dashboard (templates/admin/tracker/index.html)."""

from django import template

from tracker.selectors import dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def curation_dashboard(context) -> dict:
    """The dashboard's sections the signed-in user may see (empty for other staff)."""
    user = context["request"].user
    if not user.has_perm("tracker.view_incident"):
        return {}
    queue, waiting = dashboard.review_queue()
    recent, recent_total = dashboard.entered_recently()
    return {
        "queue": queue,
        "waiting": waiting,
        "recent": recent,
        "recent_total": recent_total,
        "recent_days": dashboard.RECENT_DAYS,
        "in_force": dashboard.violations_this_week(),
        "stale": dashboard.stale_overrides() if user.has_perm("tracker.view_assessment") else [],
    }


@register.simple_tag(takes_context=True)
def paused_subscriptions(context) -> list:
    """The signed-in user's subscriptions the tracker paused, with why (deliveries kept failing,
    410 Gone, a refused URL): its owner is told here until it is resumed or deleted."""
    from tracker.models import Subscription

    user = context["request"].user
    return list(Subscription.objects.filter(owner=user, active=False).exclude(paused_reason="").order_by("name"))
