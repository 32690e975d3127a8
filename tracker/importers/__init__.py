"""Dataset formats the tracker imports: each module reads one format's rows into `Event`s
(tracker.importers.events); tracker.services.imports writes them."""

from tracker.importers import acled, tracker_csv, ucdp

FORMATS = {acled.NAME: acled, ucdp.NAME: ucdp, tracker_csv.NAME: tracker_csv}
