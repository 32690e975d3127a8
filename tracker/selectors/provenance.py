"""Incidents by how the curator's confidence grade compares with the suggested one."""

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from tracker.choices import Confidence


def graded_by_curator(incidents: QuerySet, *, agreeing: bool) -> QuerySet:
    """Incidents a curator graded, whose grade is (agreeing=True) or is not the suggested one.

    An incident without a computed grade yet (bulk-loaded) counts as suggested "unassessed"."""
    graded = incidents.exclude(confidence=Confidence.UNASSESSED).alias(
        suggested=Coalesce("provenance__suggested_confidence", Value(Confidence.UNASSESSED))
    )
    return graded.filter(confidence=F("suggested")) if agreeing else graded.exclude(confidence=F("suggested"))
