"""Reading releases: which are served, and what one holds."""

from django.db.models import Count

from tracker.models import Assessment, Ceasefire, Citation, Incident, Party, Place, Release, Report, Source


def served():
    """The releases readers can see: sealed ones (copied and checksummed), newest first."""
    return Release.objects.exclude(checksum="")


def served_named(name: str) -> Release | None:
    return served().filter(name=name).first()


def contents() -> dict:
    """What the records being read hold (inside `release_tables.reading`, a release's): records per
    kind, and per ceasefire its verdicts counted by effective verdict (a reviewer's override
    counted as the verdict it sets)."""
    verdicts: dict[str, dict[str, int]] = {}
    rows = (
        Assessment.objects.with_effective_verdict()
        .values("ceasefire_id", "effective")
        .annotate(n=Count("id"))
        .order_by("ceasefire_id", "effective")
    )
    for row in rows:
        verdicts.setdefault(str(row["ceasefire_id"]), {})[row["effective"]] = row["n"]
    return {
        "incidents": Incident.objects.count(),
        "citations": Citation.objects.count(),
        "reports": Report.objects.count(),
        "sources": Source.objects.count(),
        "places": Place.objects.count(),
        "parties": Party.objects.count(),
        "ceasefires": Ceasefire.objects.count(),
        "verdicts": verdicts,
        # Which rules the verdicts were computed under ("" for verdicts loaded without a record of it).
        "rules": {
            row["rules__version"] or "": row["n"]
            for row in Assessment.objects.values("rules__version").annotate(n=Count("id")).order_by("rules__version")
        },
    }
