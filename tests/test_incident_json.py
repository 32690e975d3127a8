"""The incident items PostgreSQL writes as JSON (tracker.representation.incident_json) must be the
bytes the Python path writes, item for item (the export endpoint's NDJSON, under every filter
and visibility class, is compared beside the CSV in tests/test_incident_csv.py)."""

import json

import pytest
from django.db.models import Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import IncidentFactory
from tests.test_incident_csv import _sql_value, hostile  # noqa: F401 - a shared fixture
from tests.test_incident_rows import varied  # noqa: F401
from tracker.models import Incident
from tracker.representation import incident_json, incident_rows, sql_text
from tracker.representation.encoding import dumps_text


@pytest.mark.parametrize("ordering", [("id",), ("-occurred_at", "id")])
def test_each_item_is_the_python_items_text(hostile, ordering):  # noqa: F811
    queryset = Incident.objects.order_by(*ordering)
    written = list(queryset.annotate(item=incident_json.item()).values_list("item", flat=True))
    assert written == [dumps_text(item) for item in incident_rows.build(incident_rows.rows_queryset(queryset))]


def test_the_ndjson_export_is_passed_on_in_blocks(postgres, monkeypatch):
    monkeypatch.setattr(incident_json, "FLUSH_CHARS", 3000)
    IncidentFactory.create_batch(30)
    blocks = list(incident_json.ndjson_stream(Incident.objects.order_by("id")))
    assert 2 < len(blocks) < 30 and all(block.endswith(b"\n") for block in blocks)
    lines = b"".join(blocks).decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(Incident.objects.order_by("id").values_list("id", flat=True))


def _open_cursors() -> list[bool]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT is_holdable FROM pg_cursors WHERE name LIKE %s", ["_django_curs_%"])
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)  # autocommit, as a request reads
@pytest.mark.parametrize("export", ["ndjson", "geojson", "acled"])
def test_an_export_streams_rows_as_postgresql_makes_them(postgres, client, monkeypatch, export):
    """Its cursor is not WITH HOLD — which Django declares outside a transaction, and which
    PostgreSQL fills with the whole result before handing on the first row (the first byte of a
    1,000,000-incident export came after 59 s)."""
    from tracker.representation import dataset_exports
    from tracker.representation import export as exports

    monkeypatch.setattr(incident_json, "CHUNK_ROWS", 2)
    monkeypatch.setattr(incident_json, "FLUSH_CHARS", 1)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    monkeypatch.setattr(dataset_exports, "CHUNK", 2)
    IncidentFactory.create_batch(6, status="verified")
    response = client.get("/api/v1/incidents/export/", {"format": export})
    stream = iter(response.streaming_content)
    first = next(stream) + next(stream)  # (a header and) the first rows: the cursor is open
    assert first
    assert _open_cursors() == [False]
    assert b"".join(stream)
    assert _open_cursors() == []


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # no writes
@given(st.lists(scalars, max_size=6))
def test_json_lists_are_written_as_orjson_writes_them(postgres, values):
    column = sql_text.SQL("<<x>>::jsonb", x=Value(json.dumps(values)))
    assert _sql_value(sql_text.json_list(column)) == dumps_text(values)
