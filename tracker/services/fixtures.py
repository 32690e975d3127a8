"""Loading curated data from a Django fixture, with its first history rows."""

from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from tracker.history import Channel, history_context


def baseline_history(reason: str) -> int:
    """Give every tracked record without history a first ("created") row: `loaddata` writes raw
    rows and sends no history, but a history should start where the data does."""
    created = 0
    for model in apps.get_app_config("tracker").get_models():
        if not hasattr(model, "history") or model._meta.proxy:
            continue
        manager = getattr(model, "all_objects", model._base_manager)
        missing = manager.exclude(pk__in=model.history.values(model._meta.pk.attname))
        rows = model.history.bulk_history_create(list(missing), batch_size=500, default_change_reason=reason)
        created += len(rows or [])
    return created


def derive_name_keys() -> int:
    """Recompute every name's matching keys (`NameKeyMixin`): loaddata saves raw rows, so keys
    are whatever the fixture holds, possibly none or from an older key function."""
    from tracker.domain.names import normalize_name, transliteration_key
    from tracker.models.base import NameKeyMixin

    changed = 0
    for model in apps.get_app_config("tracker").get_models():
        if not issubclass(model, NameKeyMixin) or model._meta.proxy:
            continue
        rows = [
            row
            for row in model._base_manager.only("pk", "name", "name_key", "name_skeleton")
            if (row.name_key, row.name_skeleton) != (normalize_name(row.name), transliteration_key(row.name))
        ]
        for row in rows:
            row.name_key, row.name_skeleton = normalize_name(row.name), transliteration_key(row.name)
        model._base_manager.bulk_update(rows, ["name_key", "name_skeleton"], batch_size=1000)
        changed += len(rows)
    return changed


@transaction.atomic
def load_fixture(path: str | Path, *, stdout=None) -> int:
    """loaddata `path`, then record the loaded records' first history rows (channel import) and
    derive what loaddata's raw rows skip (incidents' provenance)."""
    from tracker.services.provenance import refresh_all

    kwargs = {"verbosity": 0} if stdout is None else {"stdout": stdout}
    call_command("loaddata", str(path), **kwargs)
    derive_name_keys()
    refresh_all()
    with history_context(channel=Channel.IMPORT):
        return baseline_history(f"Loaded from {Path(path).name}")
