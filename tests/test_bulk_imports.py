"""The bulk path of imports gives exactly what the row-by-row path gives: the same incidents,
places, parties, reports, citations, verdicts, provenance and history rows, the same summary —
whatever the batch size, with rows repeating an external id, and on a re-import."""

import io
from pathlib import Path

import pytest
from django.db import transaction

from tests.test_importers_real_data import ACLED_NOW, DAMASCUS, GED_23, acled, csv_file, ged, place_path
from tracker.models import Assessment, Citation, Incident, IncidentProvenance, Party, Place, Report, Source
from tracker.services import bulk_imports
from tracker.services.imports import import_file

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


def _incident_row(i: Incident) -> tuple:
    # Related rows by their names (ids differ between the two runs on PostgreSQL, whose sequences
    # do not roll back).
    skip = {"id", "created_at", "updated_at", "place", "perpetrator", "target_party", "created_by", "updated_by", "merged_into"}
    values = tuple((f.name, getattr(i, f.attname)) for f in Incident._meta.concrete_fields if f.name not in skip)
    history = tuple(
        Incident.history.filter(id=i.pk)
        .order_by("history_id")
        .values_list("history_type", "history_channel", "history_user__username", "history_change_reason", "version")
    )
    names = tuple(party.name if party else None for party in (i.perpetrator, i.target_party))
    return values, place_path(i.place), names, history


def snapshot() -> dict:
    """Everything an import writes, by natural keys (ids differ between two runs)."""
    key = {i.pk: (i.external_source, i.external_id) for i in Incident.all_objects.all()}
    return {
        "incidents": {
            key[i.pk]: _incident_row(i) for i in Incident.all_objects.select_related("place", "perpetrator", "target_party")
        },
        "places": sorted(place_path(p) for p in Place.objects.all()),
        "parties": sorted(Party.objects.values_list("name", "kind", "parent__name"), key=repr),
        "sources": sorted(Source.objects.values_list("name", "kind")),
        "reports": sorted(
            (r.source.name, r.title, r.published_at, r.history.count(), r.history.first().history_channel)
            for r in Report.objects.select_related("source")
        ),
        "citations": sorted(
            [
                (key[c.incident_id], c.report.title, c.named_perpetrator.name if c.named_perpetrator else "", c.stance)
                + (c.history.count(),)
                for c in Citation.objects.select_related("report", "named_perpetrator")
            ]
        ),
        "verdicts": sorted(
            (
                key[a.incident_id],
                a.ceasefire.name,
                a.verdict,
                tuple(a.reasons),
                a.time_overlap,
                a.place_overlap,
                a.history.count(),
            )
            for a in Assessment.objects.select_related("ceasefire")
        ),
        "provenance": sorted(
            (key[p.incident_id], p.suggested_confidence, p.reason, p.independent_claimants, p.contested)
            for p in IncidentProvenance.objects.all()
        ),
    }


FILES = [
    ("acled", lambda: (DATA / "acled_idlib_2020.csv").read_bytes()),
    ("acled", lambda: (DATA / "acled_2020_old_columns.csv").read_bytes()),
    ("ucdp", lambda: (DATA / "ucdp_ged_idlib_2020.csv").read_bytes()),
    (
        "ucdp",
        lambda: csv_file(
            GED_23,
            [
                ged("1", **DAMASCUS, adm_2=""),
                ged("2", **DAMASCUS, adm_2="Damascus district"),
                ged("3", **DAMASCUS, low="18", best="18", high="17"),
                ged("1", **DAMASCUS, adm_2="", best="5", high="5", low="5"),  # the same event again, changed
                ged("4", where_prec="5", where_coordinates="Operation Peace Spring", where_description=""),
                ged("5", type_of_violence="9"),  # fails
                ged(
                    "6",
                    where_coordinates="Kafr Nabl town",
                    adm_1="Idlib governorate",
                    side_a="Government of Russia",
                    type_of_violence="3",
                    side_b="Civilians",
                ),
            ],
        ).getvalue(),
    ),  # fmt: skip
    (
        "acled",
        lambda: csv_file(
            ACLED_NOW,
            [acled("TUR1", admin2="Esenyurt"), acled("TUR2"), acled("TUR1", admin2="Esenyurt"), acled("TUR3", event_date="x")],
        ).getvalue(),
    ),
]


def _run(bulk: bool, user) -> tuple[list[list[str]], dict]:
    lines = []
    for _ in range(2):  # the second time: nothing new
        for fmt, content in FILES:
            lines.append(import_file(io.BytesIO(content()), fmt, user=user, label=f"import {fmt}", bulk=bulk).lines())
    return lines, snapshot()


@pytest.mark.parametrize("batch_rows", [500, 2])
def test_the_bulk_path_writes_what_the_row_by_row_path_writes(idlib, roles, monkeypatch, batch_rows):
    from tests.factories import UserFactory

    user = UserFactory(username="importer", roles=["curator"])
    monkeypatch.setattr(bulk_imports, "BULK_BATCH_ROWS", batch_rows)
    results = {}
    for bulk in (False, True):
        sid = transaction.savepoint()
        results[bulk] = _run(bulk, user)
        transaction.savepoint_rollback(sid)
    row_lines, row_state = results[False]
    bulk_lines, bulk_state = results[True]
    assert bulk_lines == row_lines
    for part in row_state:
        assert bulk_state[part] == row_state[part], part
    # The comparison compared something: both runs created incidents, verdicts and provenance.
    assert len(row_state["incidents"]) > 15 and row_state["verdicts"] and row_state["provenance"]
    assert {h[2] for _, _, _, history in row_state["incidents"].values() for h in history} >= {"importer"}
    # Re-importing the files writes nothing new: no incident, report, citation or verdict.
    assert all(" 0 created," in lines[0] for lines in row_lines[len(FILES) :])


def test_a_crash_loses_only_the_batch_under_way_and_a_rerun_finishes(db, monkeypatch):
    """Each batch commits on its own: after a crash the rows of earlier batches are in, and
    importing the file again settles them as unchanged and creates the rest."""
    monkeypatch.setattr(bulk_imports, "BULK_BATCH_ROWS", 2)
    rows = [
        ged(str(n), **DAMASCUS, adm_2="Damascus district", date_start=f"2019-03-0{n}", date_end=f"2019-03-0{n}")
        for n in range(1, 7)
    ]
    real_create, calls = bulk_imports._Batch._create, []

    def crash_in_the_second_batch(self, items):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the machine went down")
        return real_create(self, items)

    monkeypatch.setattr(bulk_imports._Batch, "_create", crash_in_the_second_batch)
    with pytest.raises(RuntimeError):
        import_file(csv_file(GED_23, rows), "ucdp")
    assert sorted(Incident.objects.values_list("external_id", flat=True)) == ["1", "2"]
    again = import_file(csv_file(GED_23, rows), "ucdp")
    assert again.lines()[0] == "6 rows: 4 created, 0 updated, 2 unchanged, 0 skipped, 0 failed"
    assert sorted(Incident.objects.values_list("external_id", flat=True)) == ["1", "2", "3", "4", "5", "6"]
    assert all(Incident.history.filter(id=i.pk).count() == 1 for i in Incident.objects.all())
