"""Dataset formats the tracker imports: each module reads one format's rows into `Event`s
(tracker.importers.events); tracker.services.imports writes them."""

from tracker.importers import acled, ucdp

FORMATS = {acled.NAME: acled, ucdp.NAME: ucdp}
