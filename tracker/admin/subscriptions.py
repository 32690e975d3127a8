"""Admin for subscriptions (webhooks) and their delivery log.

Every staff account manages its own subscriptions here, as in the API; an account with the
model's view permission (administrators) sees everyone's. A subscription's signing secret is
shown once, in the message after it is created or rotated. A subscription the tracker paused
says why in the list, on its page and on the owner's admin home (templates/admin/tracker/index.html).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from tracker import history
from tracker.admin.base import RunServiceMixin, ServiceAdmin, VersionedModelForm, form_data
from tracker.choices import DeliveryState
from tracker.domain.webhooks import EVENT_TYPES
from tracker.models import Delivery, Subscription
from tracker.services import subscriptions, webhook_delivery


def _own_or_all(request, queryset, owner_path: str, model) -> object:
    """Everyone's rows for whoever has the model's view permission, else the user's own."""
    if request.user.has_perm(f"tracker.view_{model._meta.model_name}"):
        return queryset
    return queryset.filter(**{owner_path: request.user})


class OwnedAdminMixin:
    """Staff manage their own rows; the model's permissions reach everyone's."""

    owner_path = "owner"

    def get_queryset(self, request):
        return _own_or_all(request, super().get_queryset(request), self.owner_path, self.model)

    def _owns(self, request, obj) -> bool:
        owner = obj
        for step in self.owner_path.split("__"):
            owner = getattr(owner, step)
        return owner == request.user

    def _may(self, request, action: str, obj=None) -> bool:
        if request.user.has_perm(f"tracker.{action}_{self.model._meta.model_name}"):
            return True
        return request.user.is_active and request.user.is_staff and (obj is None or self._owns(request, obj))

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return self._may(request, "view", obj)


class SubscriptionForm(VersionedModelForm):
    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in EVENT_TYPES], widget=forms.CheckboxSelectMultiple, help_text="The event types wanted."
    )

    class Meta:
        model = Subscription
        fields = ["name", "target_url", "filter", "events", "active"]

    def clean(self):
        data = super().clean()
        owner = self.instance.owner if self.instance.pk else self.owner
        try:
            subscriptions.checked({k: data[k] for k in ("target_url", "filter") if k in data}, owner)
        except ValidationError as error:
            self.add_error(None, error)
        return data


@admin.register(Subscription)
class SubscriptionAdmin(OwnedAdminMixin, ServiceAdmin):
    form = SubscriptionForm
    writes = subscriptions.SUBSCRIPTIONS
    list_display = ("name", "owner", "target_url", "active", "paused_reason", "deliveries_link")
    list_filter = ("active",)
    search_fields = ("name", "target_url", "owner__username")
    list_select_related = ("owner",)
    readonly_fields = ("owner", "paused_reason")
    fields = ("name", "owner", "target_url", "filter", "events", "active", "paused_reason")
    actions = ["rotate_secret"]

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may(request, "change", obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may(request, "delete", obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.owner = request.user  # a new subscription is its writer's
        return form

    def get_queryset(self, request):
        counts = {
            state: Count("deliveries", filter=Q(deliveries__state=state))
            for state in (DeliveryState.PENDING, DeliveryState.FAILED)
        }
        return super().get_queryset(request).annotate(**{f"{state}_count": c for state, c in counts.items()})

    @admin.display(description="Deliveries")
    def deliveries_link(self, subscription):
        url = reverse("admin:tracker_delivery_changelist") + f"?subscription__id__exact={subscription.pk}"
        return format_html(
            '<a href="{}">log</a> ({} pending, {} failed)', url, subscription.pending_count, subscription.failed_count
        )

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        history.bind(reason=form.cleaned_data.get("change_reason", ""))
        saved = self.writes.create(data={**form_data(form, obj), "owner": request.user}, user=request.user)
        obj.pk, obj._state.adding, obj.version, obj.owner = saved.pk, False, saved.version, saved.owner
        self._show_secret(request, saved, saved.issued_secret)

    def _show_secret(self, request, subscription, secret: str) -> None:
        self.message_user(
            request,
            f"The signing secret of “{subscription}”, shown this once — copy it to the receiver now: {secret}",
            messages.WARNING,
        )

    @admin.action(description="Rotate the signing secret (the old one signs beside it for the overlap)")
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            if self.has_change_permission(request, subscription):
                rotated = subscriptions.rotate_secret(subscription=subscription, user=request.user)
                self._show_secret(request, subscription, rotated.secret)


@admin.register(Delivery)
class DeliveryAdmin(OwnedAdminMixin, RunServiceMixin, admin.ModelAdmin):
    """The delivery log: read-only, with redelivery by hand."""

    owner_path = "subscription__owner"
    list_display = (
        "created_at", "subscription", "event", "incident_id", "sequence", "state", "attempts", "last_status",
        "last_latency_ms", "next_attempt_at",
    )  # fmt: skip
    list_filter = ("state", "event", "subscription")
    list_select_related = ("subscription",)
    search_fields = ("message_id", "=incident_id")
    ordering = ("-created_at", "-id")
    actions = ["redeliver"]
    readonly_fields = fields = (
        "subscription", "message_id", "event", "incident_id", "sequence", "state", "created_at", "attempts",
        "next_attempt_at", "last_attempt_at", "last_status", "last_latency_ms", "last_response", "last_error",
        "delivered_at", "body",
    )  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_redeliver_permission(self, request) -> bool:
        return self.has_module_permission(request)

    @admin.action(description="Redeliver (same webhook-id)", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        def again(delivery, user):
            if not delivery.subscription.active:
                raise ValidationError("its subscription is paused: resume it first.")
            webhook_delivery.redeliver(delivery)

        self.run_service(request, again, queryset.select_related("subscription"), "{count} deliveries will be sent again.")
