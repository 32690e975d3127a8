from django.apps import AppConfig


class TrackerConfig(AppConfig):
    """The one app: ceasefires, incidents and their provenance."""

    name = "tracker"
    verbose_name = "Ceasefire-violation tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from tracker import generation
        from tracker.services import provenance

        # Every write moves the data generation that cached API answers are keyed by.
        generation.install()

        post_migrate.connect(provenance.fill_missing, sender=self)

        # A revoked token, a deactivated user or a changed role takes effect at once, cached
        # tokens notwithstanding (tracker/api/authentication.py).
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from tracker.api import authentication
        from tracker.models import ApiToken

        user_model = get_user_model()
        for model in (ApiToken, user_model):
            post_save.connect(authentication.forget, sender=model, dispatch_uid=f"token-cache-save-{model._meta.label}")
            post_delete.connect(authentication.forget, sender=model, dispatch_uid=f"token-cache-delete-{model._meta.label}")
        from django.contrib.auth.models import Group

        for relation in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(authentication.forget, sender=relation, dispatch_uid=f"token-cache-{relation._meta.label}")

        # Subscriptions: the webhooks interface reads their filters with the incident list's
        # filterset, and its runner dispatches the events writes record and sends what is due,
        # after the commit, off the request (tracker/webhooks/worker.py).
        from tracker.services import outbox, subscriptions, webhook_delivery
        from tracker.webhooks import filters, worker

        subscriptions.FILTER_CHECKS.append(filters.validate_filter)
        outbox.events_recorded.connect(worker.wake, dispatch_uid="webhooks-events")
        webhook_delivery.deliveries_due.connect(worker.wake, dispatch_uid="webhooks-due")
