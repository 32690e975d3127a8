"""The trash as the admin shows it: proxies over the soft-deletable models whose manager sees
only deleted rows. No tables of their own."""

from tracker.models.base import TrashManager
from tracker.models.incidents import Citation, Incident
from tracker.models.places import Place
from tracker.models.sources import Report


class TrashedIncident(Incident):
    objects = TrashManager()

    class Meta:
        proxy = True
        verbose_name = "deleted incident"
        verbose_name_plural = "trash: incidents"


class TrashedCitation(Citation):
    objects = TrashManager()

    class Meta:
        proxy = True
        verbose_name = "deleted citation"
        verbose_name_plural = "trash: citations"


class TrashedReport(Report):
    objects = TrashManager()

    class Meta:
        proxy = True
        verbose_name = "deleted report"
        verbose_name_plural = "trash: reports"


class TrashedPlace(Place):
    objects = TrashManager()

    class Meta:
        proxy = True
        verbose_name = "deleted place"
        verbose_name_plural = "trash: places"


TRASH_PROXIES = {Incident: TrashedIncident, Citation: TrashedCitation, Report: TrashedReport, Place: TrashedPlace}
