"""Importing ACLED and UCDP files (tests/data holds realistic files written from the column
specs: a UTF-8 BOM, CRLF, `NA`, a quoted field with a line break, three date styles, an
older export's columns, bad rows)."""

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import IncidentFactory, PlaceFactory
from tracker.countries import country_code, country_timezone
from tracker.importers.reading import CountingLines, RowError, parse_date, read_rows, split_list
from tracker.models import Assessment, Citation, Incident, Party, Place, Report, Source

DATA = Path(__file__).parent / "data"
ACLED = DATA / "acled_idlib_2020.csv"
ACLED_OLD = DATA / "acled_2020_old_columns.csv"
UCDP = DATA / "ucdp_ged_idlib_2020.csv"


def run(fmt: str, path: Path, *args) -> list[str]:
    out = io.StringIO()
    call_command("import_events", str(path), "--format", fmt, *args, stdout=out)
    return out.getvalue().splitlines()


def imported(external_id: str) -> Incident:
    return Incident.objects.get(external_id=external_id)


def verdicts() -> dict[str, str]:
    return dict(
        Assessment.objects.filter(ceasefire_id=1)
        .exclude(incident__external_id="")
        .values_list("incident__external_id", "verdict")
    )


def counts() -> dict[str, int]:
    return {m.__name__: m._base_manager.count() for m in (Incident, Place, Party, Source, Report, Citation)}


ACLED_SUMMARY = [
    "9 rows: 5 created, 0 updated, 0 unchanged, 2 skipped, 2 failed",
    "  skipped 1: event type 'Protests' is not hostilities",
    "  skipped 1: event type 'Strategic developments' is not hostilities",
    "  failed row 7: event_date: '31 February 2020' is not a date (expected e.g. 2020-05-09, 09 May 2020 or 9-May-20).",
    "  failed row 8: latitude: 95.2 is outside -90..90.",
]


def test_acled_file_imports_hostilities_skips_the_rest_and_reports_bad_rows(idlib):
    assert run("acled", ACLED) == ACLED_SUMMARY
    assert sorted(Incident.objects.exclude(external_id="").values_list("external_id", flat=True)) == [
        "SYR100001",
        "SYR100002",
        "SYR100003",
        "SYR100008",
        "TUR100009",
    ]
    # Verdicts follow from the import (the January 2020 ceasefire).
    assert verdicts() == {
        "SYR100001": "violation",
        "SYR100002": "violation",
        "SYR100003": "possible",
        "SYR100008": "not_violation",  # an unidentified group is not bound by it
        "TUR100009": "not_violation",  # Kilis, in Turkey, is outside its zone
    }


def test_acled_columns_map_to_incidents(idlib):
    run("acled", ACLED)
    strike = imported("SYR100001")
    # The existing Maaret al-Numan (filed under its governorate) is found from ACLED's spelling.
    assert (strike.place_id, strike.kind, strike.time_precision, strike.geo_precision) == (7, "airstrike", "day", "town")
    # 15 January in Idlib is UTC+2 that winter.
    assert strike.occurred_at == datetime(2020, 1, 14, 22, tzinfo=UTC)
    assert (strike.perpetrator.name, strike.perpetrator.parent.name, strike.attribution) == (
        "Military Forces of Russia (2000-)",
        "Russia",
        "alleged",
    )
    assert (strike.killed_low, strike.killed_high, strike.target_description) == (2, None, "Civilians (Syria)")
    assert (strike.status, strike.external_source, strike.latitude) == ("draft", "acled", 35.6476)
    assert strike.description.startswith(
        "On 15 January 2020, Russian warplanes struck residential areas of Maarat an Numan city.\nSOHR"
    )
    assert "Associated with actor" not in strike.description  # NA is empty
    assert sorted(strike.citations.values_list("report__source__name", "named_perpetrator__name")) == [
        ("SOHR", "Military Forces of Russia (2000-)"),
        ("Smart News Agency", "Military Forces of Russia (2000-)"),
    ]

    # Graded once the row's citations are in (the refresh is deferred to the row's end): two
    # claimants, but Smart News Agency is graded D (not usually reliable), so one voice: weak.
    assert (strike.provenance.suggested_confidence, strike.provenance.independent_claimants) == ("weak", 2)

    rockets = imported("SYR100002")  # written 16-Jan-20; "rockets" in the notes
    assert (rockets.kind, rockets.occurred_at, rockets.killed_low, rockets.killed_high) == (
        "rocket_attack",
        datetime(2020, 1, 15, 22, tzinfo=UTC),
        0,
        0,
    )
    assert [rockets.place.name, *(a.name for a in rockets.place.ancestors())] == [
        "Saraqeb",
        "Saraqab",
        "Idleb",
        "Idlib Governorate",
        "Syria",
    ]
    assert (rockets.place.kind, rockets.place.latitude, rockets.place.longitude) == ("town", 35.8641, 36.8006)
    assert rockets.perpetrator.parent.name == "Syrian government"

    clash = imported("SYR100003")  # a battle: actor1 against actor2, nobody known to have started it
    assert (clash.perpetrator.name, clash.target_party.name, clash.initiator, clash.attribution) == (
        "Military Forces of Syria (2000-)",
        "Hayat Tahrir al Sham",
        "unknown",
        "alleged",
    )
    # The week around the 20th; geo_precision 2 (near a town) is a 25 km disc, as GED's where_prec 2.
    assert (clash.time_precision, clash.geo_precision) == ("week", "within_25km")
    assert clash.occurred_at == datetime(2020, 1, 16, 22, tzinfo=UTC)
    assert clash.target_description == "Military Forces of Syria (2000-) vs Hayat Tahrir al Sham"

    month = imported("SYR100008")  # month precision, regional: the governorate itself
    assert (month.place_id, month.time_precision, month.geo_precision, month.killed_low) == (2, "month", "region", None)
    assert month.occurred_at == datetime(2019, 12, 31, 22, tzinfo=UTC)

    kilis = imported("TUR100009")  # written 20/01/2020; Turkey is UTC+3
    assert kilis.occurred_at == datetime(2020, 1, 19, 21, tzinfo=UTC)
    assert (kilis.kind, kilis.place.parent.parent.name, kilis.place.parent.parent.parent_id) == (
        "artillery_shelling",
        "Kilis",
        16,
    )


def test_reimport_changes_nothing(idlib):
    run("acled", ACLED)
    before = counts()
    history = Incident.history.count()
    assert run("acled", ACLED)[0] == "9 rows: 0 created, 0 updated, 5 unchanged, 2 skipped, 2 failed"
    assert counts() == before and Incident.history.count() == history


def test_a_day_whose_midnight_does_not_exist_imports_once_and_reimports_unchanged(idlib, tmp_path):
    """Syria's summer time began at midnight on Friday 29 March 2019: the local day starts at
    01:00 (+03), 22:00 UTC the day before. A re-import compares that instant, not a wall-clock
    time in the gap (which Python never finds equal to another zone's time)."""
    text = ACLED.read_text(encoding="utf-8-sig").replace("SYR100001,15 January 2020,2020", "SYR100001,29 March 2019,2019")
    path = tmp_path / "acled_dst.csv"
    path.write_text(text, encoding="utf-8")
    assert run("acled", path)[0] == "9 rows: 5 created, 0 updated, 0 unchanged, 2 skipped, 2 failed"
    assert imported("SYR100001").occurred_at == datetime(2019, 3, 28, 22, tzinfo=UTC)
    history = Incident.history.count()
    assert run("acled", path)[0] == "9 rows: 0 created, 0 updated, 5 unchanged, 2 skipped, 2 failed"
    assert Incident.history.count() == history


def test_an_older_export_updates_in_place(idlib, django_user_model):
    run("acled", ACLED)
    assert run("acled", ACLED_OLD) == ["2 rows: 1 created, 1 updated, 0 unchanged, 0 skipped, 0 failed"]
    strike = imported("SYR100001")
    assert (strike.killed_low, Incident.objects.filter(external_id="SYR100001").count()) == (3, 1)
    assert sorted(strike.citations.values_list("report__source__name", flat=True)) == ["SOHR", "Smart News Agency", "Syria Call"]
    last = Incident.history.filter(id=strike.pk).first()
    assert (last.history_channel, last.history_change_reason) == ("import", "import acled acled_2020_old_columns.csv")
    # "Remote violence" (the codebook before 2019) and a 21-Jan-20 date.
    barrels = imported("SYR100010")
    assert (barrels.kind, barrels.occurred_at, barrels.perpetrator.name) == (
        "airstrike",
        datetime(2020, 1, 20, 22, tzinfo=UTC),
        "Military Forces of Syria (2000-)",
    )


def test_dry_run_counts_what_would_happen_and_saves_nothing(idlib):
    before = counts()
    lines = run("acled", ACLED, "--dry-run")
    assert lines[0] == "Dry run, nothing saved — would have: " + ACLED_SUMMARY[0]
    assert lines[1:] == ACLED_SUMMARY[1:]
    assert counts() == before


def test_a_failed_row_leaves_nothing_behind(idlib, tmp_path):
    """The first row creates its place, then fails on its id: its place goes with it, and the
    next row, at the same place, creates it again."""
    header = "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,iso,country,admin1,location,latitude,longitude,geo_precision,source,notes,fatalities"
    row = "{},2020-01-20,1,Explosions/Remote violence,Air/drone strike,Military Forces of Russia (2000-),760,Syria,Idleb,Khan Shaykhun,35.4417,36.6511,1,SOHR,Strike.,1"
    path = tmp_path / "acled.csv"
    path.write_text("\n".join([header, row.format("SYR" + "9" * 130), row.format("SYR200001")]) + "\n")
    assert run("acled", path) == [
        "2 rows: 1 created, 0 updated, 0 unchanged, 0 skipped, 1 failed",
        "  failed row 2: external_id: Ensure this value has at most 128 characters (it has 133).",
    ]
    assert list(Place.objects.filter(name="Khan Shaykhun").values_list("pk", flat=True)) == [imported("SYR200001").place_id]


def test_deleted_and_merged_incidents_are_not_brought_back(idlib):
    run("acled", ACLED)
    from tracker.services import incidents

    incidents.incident_delete(incident=imported("SYR100002"), user=None)
    kept = IncidentFactory(place=PlaceFactory())
    incidents.incident_merge(merged=imported("SYR100003"), kept=kept, user=None)
    lines = run("acled", ACLED)
    assert lines[:4] == [
        "9 rows: 0 created, 0 updated, 3 unchanged, 4 skipped, 2 failed",
        "  skipped 1: deleted in the tracker (restore it to import updates)",
        "  skipped 1: event type 'Protests' is not hostilities",
        "  skipped 1: event type 'Strategic developments' is not hostilities",
    ]
    assert "  skipped 1: merged in the tracker into another incident" in lines


def test_ucdp_file(idlib):
    assert run("ucdp", UCDP) == [
        "5 rows: 3 created, 0 updated, 0 unchanged, 0 skipped, 2 failed",
        "  note 1: no weapon named in its headlines or articles: kind 'other'",
        "  failed row 5: date_end: 2020-01-23 is before date_start 2020-01-25.",
        "  failed row 6: where_prec: '9' is not 1..7.",
    ]
    strike = imported("300001")
    assert (strike.external_source, strike.kind, strike.place_id, strike.perpetrator_id, strike.attribution) == (
        "ucdp",
        "airstrike",
        7,
        1,  # "Government of Russia (Soviet Union)" is Russia
        "alleged",
    )
    assert (strike.killed_low, strike.killed_high, strike.civilians_killed_low, strike.civilians_killed_high) == (2, 5, 3, 3)
    assert "Best estimate of deaths: 3" in strike.description
    assert sorted(strike.citations.values_list("report__source__name", "report__title", "report__published_at")) == [
        ("Agence France Presse", "Russian air strikes kill three in Idlib town", datetime(2020, 1, 14, 22, tzinfo=UTC)),
        ("Xinhua News Agency", "Airstrikes hit Syria's Idlib despite truce", datetime(2020, 1, 15, 22, tzinfo=UTC)),
    ]
    window = imported("300002")  # state-based: side A against side B, initiator unknown; five days; a district
    assert (window.kind, window.perpetrator.name, window.target_party.name, window.initiator) == (
        "armed_clash",
        "Syrian government",
        "Syrian insurgents",
        "unknown",
    )
    assert (window.time_precision, window.geo_precision) == ("interval", "district")
    assert (window.occurred_at, window.occurred_until) == (
        datetime(2020, 1, 19, 22, tzinfo=UTC),
        datetime(2020, 1, 24, 22, tzinfo=UTC),
    )
    assert (window.place.name, window.place.kind, window.place.parent_id) == ("Maarrat al-Nu'man", "district", 2)
    assert window.target_description == "Government of Syria vs Syrian insurgents"
    unnamed = imported("300003")
    assert (unnamed.kind, unnamed.perpetrator_id, unnamed.place.name) == ("other", 6, "Saraqib")
    assert verdicts() == {"300001": "violation", "300002": "possible", "300003": "violation"}
    assert run("ucdp", UCDP)[0] == "5 rows: 0 created, 0 updated, 3 unchanged, 0 skipped, 2 failed"


@pytest.mark.parametrize(
    ("path", "fmt", "message"),
    [
        (UCDP, "acled", "not a acled file: missing column(s) event_id_cnty, event_date, event_type, sub_event_type"),
        (ACLED, "ucdp", "not a ucdp file: missing column(s) id, date_start, type_of_violence, side_a"),
        (DATA / "missing.csv", "acled", "no such file"),
    ],
)
def test_wrong_files_are_refused(db, path, fmt, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(fmt, path)


def test_an_empty_file_is_refused(db, tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(CommandError, match="header: The file is empty."):
        run("acled", tmp_path / "empty.csv")


def test_rows_are_read_as_the_file_streams():
    """The first row is ready before the rest of the file has been read."""
    text = "event_id_cnty,notes\r\n" + "".join(f'SYR{i},"line one\r\nline two"\r\n' for i in range(1000))
    lines = CountingLines(io.BytesIO(b"\xef\xbb\xbf" + text.encode()))
    header, rows = read_rows(lines)
    first = next(rows)
    assert (header, first.number, first.values) == (
        ["event_id_cnty", "notes"],
        2,
        {"event_id_cnty": "SYR0", "notes": "line one\r\nline two"},
    )
    assert lines.bytes_read < len(text) / 10
    assert sum(1 for _ in rows) == 999


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-05-09", date(2020, 5, 9)),
        ("09 May 2020", date(2020, 5, 9)),
        ("9 May 2020", date(2020, 5, 9)),
        ("9-May-20", date(2020, 5, 9)),
        ("09-May-2020", date(2020, 5, 9)),
        ("9-January-2020", date(2020, 1, 9)),
        ("09/05/2020", date(2020, 5, 9)),
        ("09-05-2020", date(2020, 5, 9)),
        ("2020-01-15 00:00:00.000", date(2020, 1, 15)),
        (" 12  January 2020 ", date(2020, 1, 12)),
    ],
)
def test_dates_as_the_datasets_write_them(text, expected):
    assert parse_date(text, "event_date") == expected


@pytest.mark.parametrize("text", ["31 February 2020", "2020-13-01", "May 2020", "yesterday", "20200509x"])
def test_bad_dates_name_the_column(text):
    with pytest.raises(RowError) as caught:
        parse_date(text, "event_date")
    assert caught.value.field == "event_date" and f"'{text}' is not a date" in caught.value.message


def test_split_list():
    assert split_list("SOHR; Smart News Agency;;SOHR ; ") == ["SOHR", "Smart News Agency"]


@pytest.mark.parametrize(
    ("name", "numeric", "alpha3", "code"),
    [
        ("Syria", "", "", "SY"),
        ("", "760", "", "SY"),
        ("", "", "TUR", "TR"),
        ("Turkey", "", "", "TR"),
        ("Russia (Soviet Union)", "", "", "RU"),
        ("DR Congo (Zaire)", "", "", "CD"),
        ("Democratic Republic of Congo", "", "", "CD"),
        ("Yemen (North Yemen)", "", "", "YE"),
        ("Kosovo", "0", "", ""),
        ("Atlantis", "", "", ""),
    ],
)
def test_country_codes(name, numeric, alpha3, code):
    assert country_code(name, numeric=numeric, alpha3=alpha3) == code


def test_country_time_zones():
    assert [
        country_timezone("SY"),
        country_timezone("TR"),
        country_timezone("RU", 55.75, 37.62),  # Moscow
        country_timezone("RU", 43.12, 131.9),  # Vladivostok
        country_timezone("XX"),
    ] == ["Asia/Damascus", "Europe/Istanbul", "Europe/Moscow", "Asia/Vladivostok", ""]


# --- The admin: upload, preview, confirm ----------------------------------------------------


@pytest.fixture
def curator_client(idlib, roles, client, settings, tmp_path):
    from tests.factories import UserFactory

    settings.TRACKER_IMPORT_DIR = str(tmp_path / "uploads")
    client.user = UserFactory(username="curator", roles=["curator"])
    client.force_login(client.user)
    return client


def upload(client, path: Path, fmt: str):
    from django.urls import reverse

    with path.open("rb") as handle:
        return client.post(reverse("admin:tracker_incident_import"), {"file": handle, "format": fmt})


def test_admin_previews_then_imports(curator_client, tmp_path):
    from django.urls import reverse

    before = counts()
    preview = upload(curator_client, ACLED, "acled")
    page = preview.content.decode()
    assert preview.status_code == 200 and "nothing is saved yet" in page
    assert "Dry run, nothing saved — would have: 9 rows: 5 created" in page
    rows = preview.context["summary"].outcomes
    assert [(o.row, o.external_id, o.outcome) for o in rows] == [
        (2, "SYR100001", "created"),
        (3, "SYR100002", "created"),
        (4, "SYR100003", "created"),
        (5, "", "skipped"),
        (6, "", "skipped"),
        (7, "", "failed"),
        (8, "", "failed"),
        (9, "SYR100008", "created"),
        (10, "TUR100009", "created"),
    ]
    assert rows[0].detail == "Air/drone strike – Maarat an Numan"
    assert rows[6].detail == "latitude: 95.2 is outside -90..90."
    assert counts() == before  # a preview saves nothing
    token = preview.context["token"]
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [f"{token}.csv"]

    done = curator_client.post(reverse("admin:tracker_incident_import_confirm"), {"token": token})
    assert done.status_code == 200 and done.context["summary"].lines() == ACLED_SUMMARY
    assert Incident.objects.filter(external_source="acled").count() == 5
    first = Incident.history.filter(external_id="SYR100001").last()
    assert (first.history_user, first.history_channel, first.history_change_reason) == (
        curator_client.user,
        "import",
        "import acled acled_idlib_2020.csv (admin)",
    )
    assert list((tmp_path / "uploads").iterdir()) == []  # the upload is gone
    # The same token cannot import twice.
    again = curator_client.post(reverse("admin:tracker_incident_import_confirm"), {"token": token})
    assert "no longer waiting to be imported" in again.content.decode()
    assert Incident.objects.filter(external_source="acled").count() == 5


def test_admin_refuses_a_file_of_the_wrong_format_or_size(curator_client, settings):
    wrong = upload(curator_client, UCDP, "acled")
    assert wrong.context["form"].errors == {
        "file": ["not a acled file: missing column(s) event_id_cnty, event_date, event_type, sub_event_type."]
    }
    settings.TRACKER_IMPORT_MAX_BYTES = 100
    size = ACLED.stat().st_size
    big = upload(curator_client, ACLED, "acled")
    assert big.context["form"].errors == {"file": [f"The file is {size} bytes; the limit is 100 bytes."]}
    unknown = curator_client.post("/admin/tracker/incident/import/", {"format": "gdelt"})
    assert set(unknown.context["form"].errors) == {"file", "format"}


def test_only_users_who_may_add_incidents_import(idlib, roles, client, settings, tmp_path):
    from django.urls import reverse

    from tests.factories import UserFactory

    settings.TRACKER_IMPORT_DIR = str(tmp_path)
    client.force_login(UserFactory(username="staff", is_staff=True))
    assert client.get(reverse("admin:tracker_incident_import")).status_code == 403
    assert upload(client, ACLED, "acled").status_code == 403
    assert client.post(reverse("admin:tracker_incident_import_confirm"), {"token": "0" * 32}).status_code == 403
    client.logout()
    assert client.get(reverse("admin:tracker_incident_import")).status_code == 302  # to the login page


def test_a_token_is_only_good_in_the_session_that_uploaded(curator_client, client_for):
    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory

    token = upload(curator_client, ACLED, "acled").context["token"]
    other = Client()
    other.force_login(UserFactory(username="curator2", roles=["curator"]))
    refused = other.post(reverse("admin:tracker_incident_import_confirm"), {"token": token})
    assert "no longer waiting to be imported" in refused.content.decode()
    assert not Incident.objects.filter(external_source="acled").exists()


# --- Our own CSV: export, import into an empty database, the same incidents -----------------


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Line 1 is not UTF-8 text (byte 0x89 at position 1)"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "Line 1 is not UTF-8 text (byte 0x8b at position 2)"),
        (b"<acled>\nSYR2,13 January 2020,Caf\xe9\n", "Line 3 is not UTF-8 text (byte 0xe9 at position 25)"),
        (b"<acled>\nSYR1,\x00,Battles,x\n", "Line 3 is not UTF-8 text (byte 0x00 at position 6)"),
    ],
    ids=["png", "gzip", "latin-1 byte", "nul"],
)
def test_admin_refuses_a_file_that_is_not_utf8_csv_and_keeps_no_upload(curator_client, tmp_path, content, error):
    path = tmp_path / "upload.csv"
    # "<acled>": the real header and first row of an ACLED file, then the bad line.
    path.write_bytes(content.replace(b"<acled>", b"".join(ACLED.read_bytes().splitlines(keepends=True)[:2]).rstrip()))
    before = counts()
    response = upload(curator_client, path, "acled")
    assert response.status_code == 200
    (message,) = response.context["form"].errors["file"]
    assert message.startswith(error), message
    assert counts() == before
    assert list((tmp_path / "uploads").iterdir()) == []


def test_import_command_names_the_line_that_is_not_utf8(idlib, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(ACLED.read_bytes() + "SYR9,9 May 2020,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match=r"Line \d+ is not UTF-8 text \(byte 0xe9"):
        call_command("import_events", str(path), "--format", "acled", stdout=io.StringIO())
