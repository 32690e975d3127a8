"""What follows a write: the derived data kept in step with each record, declared in one table.

`services/common.py` runs the functions listed for a record's model after every write of it
through the service layer (create, update, delete, restore), inside the write's transaction,
with the record and whether the write created it. The table is the first answer to "what runs
when I save?"; docs/ARCHITECTURE.md gives the others (the verdicts' recompute requests, which
need to know what changed, are called by the services that know it; the data generation is
moved by the database connection itself).
"""

from tracker.models import Citation, Incident, Party, Place, PlaceName, Report, Source
from tracker.selectors.places import gazetteer_changed
from tracker.services import provenance


def names_changed(instance, created: bool) -> None:
    """The place resolver's in-memory index of names is rebuilt on its next use."""
    gazetteer_changed()


AFTER_WRITE = {
    # An incident's grade, consensus ranges and claimants (tracker.domain.provenance).
    Incident: (provenance.incident_written,),
    Citation: (provenance.citation_written,),
    Report: (provenance.report_written,),
    Source: (provenance.source_written,),
    Party: (provenance.party_written,),
    # The resolver's index of place names.
    Place: (names_changed,),
    PlaceName: (names_changed,),
}
