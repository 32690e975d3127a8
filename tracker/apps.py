from django.apps import AppConfig


class TrackerConfig(AppConfig):
    """The one app: ceasefires, incidents and their provenance."""

    name = "tracker"
    verbose_name = "Ceasefire-violation tracker"
    default_auto_field = "django.db.models.BigAutoField"
