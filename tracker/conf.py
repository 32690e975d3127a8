"""Every `TRACKER_*` setting: its default, how the environment sets it, and what it does.

Code reads a setting only through this module — `conf.OVERLAP_THRESHOLD` reads
`settings.TRACKER_OVERLAP_THRESHOLD` at that moment, else the default here — so a default is
written once, `override_settings` reaches every reader, and nothing caches a value at import.
`config/settings.py` fills the `TRACKER_*` names from the environment with `from_environment`.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import environ


@dataclass(frozen=True)
class Setting:
    default: Any
    doc: str
    parse: str | None = "str"  # how the environment variable TRACKER_<NAME> is read; None: not from the environment


SETTINGS: dict[str, Setting] = {
    # Verdicts (docs/VERDICTS.md).
    "OVERLAP_THRESHOLD": Setting(0.9, "Time or place overlap at or above which a condition is satisfied.", "float"),
    "GEO_RADIUS_KM": Setting({}, "Location radius (km) per geo precision, overriding the codebook's.", None),
    "ASSESSMENT_MARGIN_DAYS": Setting(30, "How far outside a ceasefire's interval incidents are assessed.", "int"),
    "ASSESSMENT_MARGIN_KM": Setting(50.0, "How far outside a zone's box incidents are assessed.", "float"),
    # Duplicates and syndication.
    "DUPLICATE_RADIUS_KM": Setting(
        5.0, "Incidents within this distance (and overlapping time) are possible duplicates.", "float"
    ),
    "SYNDICATION_THRESHOLD": Setting(
        0.3,
        "Share of 5-word shingles a report shares with an earlier one to be its near-copy (edited wire copies "
        "share 0.38-0.54 in the founding articles; independent stories 0.00-0.03).",
        "float",
    ),
    "SYNDICATION_MIN_SHARED_SENTENCES": Setting(2, "...or sentences shared nearly word for word.", "int"),
    "SYNDICATION_MAX_KEY_REPORTS": Setting(10, "A sentence key more original reports share is too common to use.", "int"),
    # Derived work.
    "TASKS_BACKEND": Setting(
        "immediate",
        "Where heavy derived work (a ceasefire's verdicts after an edit) runs: immediate (in the request; nothing "
        "to run beside the app) or database (queued in the database, run by `manage.py db_worker` on any machine).",
    ),
    # Reading.
    "PUBLIC_READ": Setting(True, "Anonymous clients may read the public API.", "bool"),
    "TOKEN_CACHE_SECONDS": Setting(
        5, "How long a valid API token is kept in the cache with its user's permissions (0: read on every request).", "int"
    ),
    "RESPONSE_CACHE_SECONDS": Setting(
        60, "Longest life of a cached answer (shared within a visibility class); 0 turns the cache off.", "int"
    ),
    "RESPONSE_CACHE_MAX_BYTES": Setting(2 * 1_048_576, "Answers larger than this are not cached.", "int"),
    "FEED_SETTLE_SECONDS": Setting(
        30.0, "The change feed serves changes at least this old (a write's timestamp precedes its commit).", "float"
    ),
    "REPLICAS": Setting([], "Database aliases of read replicas (config/settings.py derives them).", None),
    "REPLICA_PIN_SECONDS": Setting(10, "After a write, a client reads from the primary for this long.", "int"),
    # Limits, each answered with a 4xx naming it (README: "Limits").
    "MAX_PAGE_SIZE": Setting(1000, "Largest page_size.", "int"),
    "MAX_BODY_BYTES": Setting(1_048_576, "API request bodies: 413 above.", "int"),
    "BULK_MAX_ITEMS": Setting(1000, "Items per bulk request: 400 above.", "int"),
    "BULK_MAX_BODY_BYTES": Setting(16 * 1_048_576, "Bulk request bodies: 413 above.", "int"),
    "IDEMPOTENCY_HOURS": Setting(24.0, "How long an Idempotency-Key holds.", "float"),
    "EXPORT_MAX_ROWS": Setting(1_000_000, "Rows per export: 400 above.", "int"),
    "AGGREGATE_MAX_GROUPS": Setting(10_000, "Groups per aggregate answer: 400 above.", "int"),
    "PUBLISHER": Setting(
        "Ceasefire-violation tracker",
        "Who publishes this tracker's data: the author of each release's suggested citation and CITATION.cff.",
    ),
    "MAX_FILTER_VALUES": Setting(50, "Values per query parameter: 400 above.", "int"),
    # Imports in the admin.
    "IMPORT_MAX_BYTES": Setting(200 * 1024 * 1024, "Largest file accepted for import.", "int"),
    "IMPORT_DIR": Setting(
        str(Path(tempfile.gettempdir()) / "tracker-imports"),
        "Where uploads wait between preview and confirmation (deleted once imported or after a day).",
    ),
    # Maps in the admin.
    "MAP_TILES_URL": Setting("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "Tile server URL template; empty: no background."),
    "MAP_TILES_ATTRIBUTION": Setting(
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "The tile server's attribution.",
    ),
    "MAP_CENTER": Setting((35.9, 36.6), "Where maps open (Idlib: where the founding data is).", None),
    "MAP_ZOOM": Setting(8, "The zoom maps open at.", None),
    # Subscriptions (webhooks): README "Subscriptions".
    "WEBHOOK_ALLOW_PRIVATE": Setting(
        False,
        "Deliver to loopback, private and link-local addresses (development receivers only; never in production).",
        "bool",
    ),
    "WEBHOOK_TIMEOUT_SECONDS": Setting(10.0, "Longest a delivery attempt may take, connecting to the last byte.", "float"),
    "WEBHOOK_MAX_SUBSCRIPTIONS": Setting(20, "Subscriptions one owner may hold (the trash included): 400 above.", "int"),
    "WEBHOOK_RUNNER": Setting(
        "auto",
        "Where webhooks are dispatched and sent: auto (queue with the database task backend, else thread), queue "
        "(tasks for db_worker), thread (a background thread per app process) or inline (after the commit, in the "
        "caller: tests and scripts).",
        "str",
    ),
    "WEBHOOK_LOG_DAYS": Setting(
        30, "How long a finished delivery (delivered or failed) stays in the log, with its body; and a dispatched event.", "int"
    ),
    "WEBHOOK_CONCURRENCY": Setting(
        4, "Webhook deliveries sent at once by each runner (threads, each its own connection).", "int"
    ),
    "WEBHOOK_SECRET_OVERLAP_HOURS": Setting(24.0, "How long a rotated secret still signs beside the new one.", "float"),
    # The network in front of the app.
    "PROXY_COUNT": Setting(0, "Reverse proxies in front of the app servers; 0: X-Forwarded-For is ignored.", "int"),
}


def __getattr__(name: str) -> Any:
    """`conf.NAME`: the value of `settings.TRACKER_NAME` now, else its default."""
    if name not in SETTINGS:
        raise AttributeError(f"No tracker setting {name!r}; the settings are listed in tracker/conf.py.")
    from django.conf import settings

    return getattr(settings, f"TRACKER_{name}", SETTINGS[name].default)


def from_environment(env: environ.Env) -> dict[str, Any]:
    """`TRACKER_<NAME>` for every setting the environment may set, read with its type."""
    values = {}
    for name, setting in SETTINGS.items():
        if setting.parse is None:
            continue
        values[f"TRACKER_{name}"] = getattr(env, setting.parse)(f"TRACKER_{name}", default=setting.default)
    return values
