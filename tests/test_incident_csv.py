"""The CSV export PostgreSQL formats (tracker.representation.incident_csv) must be the Python
writer's bytes exactly: same header, cells, quoting, line ends and order, for hostile text,
floats, instants and verdicts, under every filter and visibility class."""

import csv
import io
import json
import math
from datetime import UTC, datetime

import orjson
import pytest
from django.db import connection
from django.db.models import Value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    AssessmentFactory,
    CeasefireFactory,
    CitationFactory,
    IncidentFactory,
    PartyFactory,
    PlaceFactory,
    ReportFactory,
    UserFactory,
)
from tests.test_incident_rows import varied  # noqa: F401 - the row builder's branches, reused
from tracker.models import Incident, IncidentProvenance
from tracker.representation import incident_csv, incident_json, incident_rows, sql_text
from tracker.representation.export import _chunks, _csv
from tracker.representation.serializers import IncidentSerializer


def python_csv(queryset) -> bytes:
    """What the Python writer exports for `queryset`."""
    rows = _chunks(incident_rows.rows_queryset(queryset), incident_rows.build)
    return "".join(_csv(rows, IncidentSerializer())).encode()


def copy_csv(queryset) -> bytes:
    return b"".join(incident_csv.stream(queryset))


HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\tTabbed",
    "\rCarriage",
    "'=already quoted",
    "'plain apostrophe",
    'Comma, "quote" and\r\nCRLF inside',
    "Line\nfeed",
    "Control \x01\x1f\x7f chars",
    "Separators \u2028 and \u2029",
    "Arabic \u0645\u0639\u0631\u0629 and e\u0301",
    " leading and trailing spaces ",
    "\\.",
]


@pytest.fixture
def hostile(postgres, varied):  # noqa: F811 - varied is imported
    """`varied` plus every kind of text a spreadsheet or a CSV parser trips on, floats at the
    edges of both writers' formats, and verdicts whose JSON escapes all of it."""
    ceasefire = CeasefireFactory(name='Ceasefire "\u2028\x01" =A')
    party = PartyFactory(name="=Party\r\nwith\x02 line")
    made = []
    floats = [(-0.0, 1e-05), (36.0, -36.0), (0.1 + 0.2, 179.99999999999997), (1.5e-05, -1.5e-05), (89.0, 180.0)]
    for n, text in enumerate(HOSTILE):
        lat, lon = floats[n % len(floats)]
        incident = IncidentFactory(
            title=text,
            description=text if n % 2 else "",
            target_description=text[::-1],
            external_source="acled" if n % 3 == 0 else "",
            external_id=f"=ID{n}" if n % 3 == 0 else "",
            latitude=lat,
            longitude=lon,
            perpetrator=party if n % 2 else None,
            attribution="alleged" if n % 2 else "unknown",
            place=PlaceFactory(name=text, latitude=lon if abs(lon) <= 90 else None, longitude=lat if abs(lon) <= 90 else None),
            occurred_at=datetime(2020, 3, 5, 21, 0, n, n * 7 % 3 * 1000, tzinfo=UTC),
        )
        Incident.objects.filter(pk=incident.pk).update(import_flags=["figures_reordered", text][: 1 + n % 2] if n % 4 else [])
        made.append(incident)
    for n, overlap in enumerate([1.5e-05, 1e-06, 0.0, 1.0, 0.30000000000000004, 1e-05, 0.5]):
        AssessmentFactory(
            incident=made[n],
            ceasefire=ceasefire,
            verdict="possible",
            reasons=["time_uncertain", "near_zone_edge"][: n % 3],
            time_overlap=overlap,
            place_overlap=1 - overlap,
            bound_as=party if n % 2 else None,
            override_verdict="violation" if n % 3 == 0 else "",
            override_reason=HOSTILE[n],
            override_by=UserFactory(username=f"rev\u2028{n}") if n % 3 == 0 else None,
            override_at=datetime(2020, 2, 1, 10, 0, 0, n, tzinfo=UTC) if n % 3 == 0 else None,
        )
    for incident in made[:4]:
        CitationFactory(incident=incident, report=ReportFactory())
    IncidentProvenance.objects.filter(incident=made[5]).delete()  # never graded: the defaults
    return made


@pytest.mark.parametrize("ordering", [("id",), ("-occurred_at", "id"), ("title", "-id")])
def test_copy_writes_the_python_writers_bytes(hostile, ordering):
    queryset = Incident.objects.order_by(*ordering)
    expected = python_csv(queryset)
    assert copy_csv(queryset) == expected
    # And the file reads back as the rows it means: every incident, the hostile titles disarmed.
    table = list(csv.DictReader(io.StringIO(expected.decode(), newline="")))
    assert len(table) == Incident.objects.count()
    assert all(not row["title"].startswith(("=", "+", "-", "@", "\t", "\r")) for row in table)


def test_an_empty_export_is_the_header_alone(postgres):
    assert (
        copy_csv(Incident.objects.order_by("id"))
        == python_csv(Incident.objects.none())
        == (",".join(incident_csv.HEADERS) + "\r\n").encode()
    )


def test_large_exports_are_passed_on_in_blocks_not_rows(postgres, monkeypatch):
    monkeypatch.setattr(incident_csv, "FLUSH_BYTES", 2000)
    IncidentFactory.create_batch(30)
    blocks = list(incident_csv.stream(Incident.objects.order_by("id")))
    assert 2 < len(blocks) < 31 and all(block.endswith(b"\r\n") for block in blocks)
    assert b"".join(blocks) == python_csv(Incident.objects.order_by("id"))


QUERIES = [{}, {"kind": "airstrike"}, {"ordering": "-fatalities"}, {"q": "Carriage"}, {"status": "verified,draft"}]


@pytest.mark.parametrize("role", ["anonymous", "read_only_token", "curator", "reviewer"])
def test_the_endpoint_exports_what_python_would(hostile, roles, client_for, role, monkeypatch):
    from tracker.api import views

    assert {"csv": incident_csv.stream, "ndjson": incident_json.ndjson_stream} == views.DATABASE_WRITTEN
    client = client_for(role)
    Incident.objects.filter(pk__in=[i.pk for i in hostile[::2]]).update(status="verified")
    Incident.objects.filter(pk=hostile[3].pk).update(kind="airstrike", status="verified")

    def export(query: dict, fmt: str, *, python: bool):
        with monkeypatch.context() as patched:
            if python:
                patched.setattr(views, "DATABASE_WRITTEN", {})
            return client.get("/api/v1/incidents/export/", {"format": fmt, **query})

    for query in QUERIES:
        listed = client.get("/api/v1/incidents/", {**query, "page_size": 1000}).json().get("results")
        for fmt in ("csv", "ndjson"):
            response = export(query, fmt, python=False)
            if response.status_code == 400:  # a filter this role may not use answers the same either way
                assert export(query, fmt, python=True).json() == response.json()
                continue
            from_database = b"".join(response.streaming_content)
            assert from_database == b"".join(export(query, fmt, python=True).streaming_content), (query, fmt)
            text = from_database.decode()
            if fmt == "csv":
                exported = [int(row["id"]) for row in csv.DictReader(io.StringIO(text, newline=""))]
                assert exported == [i["id"] for i in listed], query
            else:
                assert [json.loads(line) for line in text.splitlines()] == listed, query


def test_an_unpublished_title_never_reaches_a_public_export(hostile, roles, client_for):
    secret = IncidentFactory(title="UNPUBLISHED-SECRET", status="draft")
    public = b"".join(client_for("anonymous").get("/api/v1/incidents/export/", {"format": "csv"}).streaming_content)
    staff = b"".join(client_for("reviewer").get("/api/v1/incidents/export/", {"format": "csv"}).streaming_content)
    assert b"UNPUBLISHED-SECRET" not in public and str(secret.pk).encode() in staff and b"UNPUBLISHED-SECRET" in staff


def _sql_value(expression) -> str:
    query = Incident.objects.all().query
    sql, params = expression.resolve_expression(query).as_sql(query.get_compiler(connection=connection), connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # no writes
@given(
    st.one_of(
        finite.filter(lambda x: abs(x) <= 180),
        st.floats(0, 1),
        st.floats(-1e-4, 1e-4),
        st.sampled_from([0.0, -0.0, 1e-05, 1e-06]),
    )
)
def test_floats_are_written_as_python_and_orjson_write_them(postgres, x):
    column = sql_text.SQL("<<x>>::float8", x=Value(repr(x)))  # typed as the columns are; -0.0 kept
    assert _sql_value(sql_text.float_cell(column)) == repr(x)
    assert _sql_value(sql_text.json_float(column)) == orjson.dumps(x).decode()
    assert not math.isnan(x)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # no writes
@given(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40))
def test_text_is_escaped_and_disarmed_as_python_does_it(postgres, text):
    from tracker.csv_cells import neutralise
    from tracker.representation.encoding import dumps_text

    column = sql_text.SQL("<<x>>::text", x=Value(text))
    assert _sql_value(sql_text.json_str(column)) == dumps_text(text)
    assert _sql_value(sql_text.text_cell(column)) == (neutralise(text) or None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # no writes
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)))
def test_instants_are_written_as_the_api_writes_them_from_year_1(postgres, instant):
    column = sql_text.SQL("<<x>>::timestamptz", x=Value(instant.isoformat()))
    assert _sql_value(sql_text.iso(column)) == incident_rows.iso(instant)
