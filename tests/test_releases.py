"""Citable releases: `manage.py release NAME` freezes the public record; /api/v1/releases/NAME/…
answers from the frozen copy, identically after any later edit, with the live API's filters,
aggregates and exports; each release has a checksum of its export, a suggested citation and a
CITATION.cff."""

import hashlib
import io
from datetime import timedelta

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.helpers import utc
from tracker.choices import IncidentStatus, Verdict
from tracker.models import Assessment, Ceasefire, Incident, Party, Place, Release
from tracker.services import assessments, gazetteer, incidents

pytestmark = pytest.mark.django_db

# A release's reads, each compared before and after the edits (the fixture's ids are stable).
READS = [
    "incidents/",
    "incidents/?kind=airstrike&occurred_after=2020-01-01T00:00:00Z",
    "incidents/?place=4",
    "incidents/?q=Maaret&ordering=occurred_at",
    "incidents/?verdict=violation&ceasefire=2",
    "incidents/?format=csv",
    "incidents/?format=geojson",
    "incidents/aggregate/?group_by=month,kind&metric=count,killed_low",
    "incidents/aggregate/?group_by=verdict&ceasefire=2",
    "incidents/aggregate/?group_by=admin1&format=csv",
    "ceasefires/",
    "ceasefires/2/compliance/?days=7",
    "ceasefires/2/violations/",
    "places/",
    "parties/",
    "sources/",
    "reports/",
    "citations/",
    "assessments/",
]


def release(name: str = "2020-idlib", **options) -> Release:
    call_command("release", name, stdout=io.StringIO(), **options)
    return Release.objects.get(name=name)


def answers(client, name: str) -> dict[str, bytes]:
    found = {}
    for path in READS:
        response = client.get(f"/api/v1/releases/{name}/{path}")
        assert response.status_code == 200, (path, response.content)
        found[path] = response.content
    first = Incident.objects.visible_to(None).order_by("id").first()  # read live: released before any edit
    detail = client.get(f"/api/v1/releases/{name}/incidents/{first.pk}/")
    assert detail.status_code == 200
    found["detail"] = detail.content
    found["export"] = b"".join(client.get(f"/api/v1/releases/{name}/incidents/export/").streaming_content)
    return found


def edit_everything(user):
    """A curator's later day: every kind of record the release holds is changed through the services."""
    live = list(Incident.objects.visible_to(None).order_by("id"))
    first, second, third = live[0], live[1], live[2]
    incidents.incident_update(incident=first, data={"title": "Retitled after the release", "killed_low": 99}, user=user)
    incidents.incident_set_status(incident=second, status=IncidentStatus.REJECTED, user=user)
    incidents.incident_delete(incident=third, user=user)
    place = Place.objects.get(pk=first.place_id)
    gazetteer.place_update(place=place, data={"name": "Renamed town"}, user=user)
    party = Party.objects.order_by("id").first()
    gazetteer.party_update(party=party, data={"name": "Renamed party"}, user=user)
    assessment = Assessment.objects.filter(incident__status=IncidentStatus.VERIFIED).order_by("id").first()
    assessments.assessment_override(
        assessment=assessment, verdict=Verdict.NOT_VIOLATION, reason="Reviewed after the release.", user=user
    )
    incidents.incident_create(
        data={
            "title": "Shelling recorded after the release",
            "kind": first.kind,
            "occurred_at": first.occurred_at + timedelta(hours=1),
            "place": place,
            "status": IncidentStatus.VERIFIED,
        },
        user=user,
    )


def test_a_release_answers_identically_after_every_kind_of_later_edit(assessed, client_for, run_tasks):
    frozen = release()
    api = client_for("anonymous")
    before = answers(api, frozen.name)
    run_tasks(lambda: edit_everything(f.UserFactory(username="curator", roles=["curator", "reviewer"])))
    live = api.get("/api/v1/incidents/").json()
    assert "Retitled after the release" in {i["title"] for i in live["results"]}  # the live API moved on
    after = answers(api, frozen.name)
    assert after == before
    # And a curator, who sees unpublished incidents live, reads the same release.
    assert answers(client_for("curator"), frozen.name) == before


def test_a_release_holds_the_public_record_only(assessed, api):
    draft = Incident.objects.exclude(status__in=[IncidentStatus.VERIFIED, IncidentStatus.DISPUTED]).first()
    draft = draft or f.IncidentFactory(status=IncidentStatus.DRAFT, place=Place.objects.first(), title="Unpublished")
    public = Incident.objects.visible_to(None)
    frozen = release()
    listed = api.get(f"/api/v1/releases/{frozen.name}/incidents/?page_size=500").json()
    assert sorted(i["id"] for i in listed["results"]) == sorted(public.values_list("id", flat=True))
    assert api.get(f"/api/v1/releases/{frozen.name}/incidents/{draft.pk}/").status_code == 404
    assert frozen.counts["incidents"] == public.count()
    assert frozen.counts["ceasefires"] == Ceasefire.objects.count()


def test_the_checksum_is_that_of_the_export_a_reader_downloads(assessed, api):
    frozen = release()
    body = b"".join(api.get(f"/api/v1/releases/{frozen.name}/incidents/export/").streaming_content)
    assert hashlib.sha256(body).hexdigest() == frozen.checksum
    assert body.count(b"\n") == frozen.counts["incidents"]
    out = io.StringIO()
    call_command("release", frozen.name, verify=True, stdout=out)
    assert f"checksum {frozen.checksum} verified" in out.getvalue()


def test_the_release_describes_itself_and_how_to_cite_it(assessed, api):
    frozen = release(title="Idlib ceasefire violations, 2020")
    body = api.get(f"/api/v1/releases/{frozen.name}/").json()
    assert body["name"] == "2020-idlib"
    assert body["instant"] == frozen.instant.isoformat().replace("+00:00", "Z") or body["instant"].startswith(
        frozen.instant.strftime("%Y-%m-%dT%H:%M")
    )
    assert body["rules"]["version"] == frozen.rules_version
    assert body["checksum"] == frozen.checksum
    assert body["counts"]["incidents"] == frozen.counts["incidents"]
    assert body["links"]["export"] == "http://testserver/api/v1/releases/2020-idlib/incidents/export/"
    assert body["citation"] == (
        f"Ceasefire-violation tracker ({frozen.instant.year}). Idlib ceasefire violations, 2020, release 2020-idlib "
        f"(data as of {frozen.instant:%Y-%m-%d %H:%M} UTC; {frozen.counts['incidents']} incidents, "
        f"{frozen.counts['ceasefires']} ceasefires; verdict rules {frozen.rules_version}). SHA-256 of the incidents "
        f"export: {frozen.checksum}. http://testserver/api/v1/releases/2020-idlib/"
    )
    listed = api.get("/api/v1/releases/").json()
    assert [r["name"] for r in listed["results"]] == ["2020-idlib"]
    cff = api.get(f"/api/v1/releases/{frozen.name}/CITATION.cff/")
    assert cff.status_code == 200 and cff["Content-Type"].startswith("application/yaml")
    parsed = yaml.safe_load(cff.content)
    assert parsed["cff-version"] == "1.2.0" and parsed["type"] == "dataset"
    assert parsed["version"] == "2020-idlib" and parsed["title"] == "Idlib ceasefire violations, 2020"
    assert parsed["date-released"] == frozen.instant.date()
    assert parsed["authors"] == [{"name": "Ceasefire-violation tracker"}]
    assert frozen.checksum in parsed["identifiers"][0]["description"]


def test_a_hostile_title_stays_one_yaml_scalar(assessed, api):
    title = 'Idlib"\nauthors: []\n# - name: x\n=HYPERLINK("http://evil")'
    frozen = release(title=title)
    parsed = yaml.safe_load(api.get(f"/api/v1/releases/{frozen.name}/CITATION.cff/").content)
    assert parsed["title"] == title
    assert parsed["authors"] == [{"name": "Ceasefire-violation tracker"}]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../etc", "name: Letters, digits, '.', '_' and '-', starting with a letter or digit."),
        (".hidden", "name: Letters, digits, '.', '_' and '-', starting with a letter or digit."),
        ("a" * 65, "name: Ensure this value has at most 64 characters (it has 65)."),
    ],
)
def test_bad_release_names_are_refused_naming_the_field(idlib, name, message):
    with pytest.raises(CommandError) as refused:
        call_command("release", name, stdout=io.StringIO())
    assert message in str(refused.value)
    assert not Release.objects.exists()


def test_a_name_cannot_be_released_twice(idlib):
    first = release("r1")
    with pytest.raises(CommandError, match="name: Release with this Name already exists."):
        call_command("release", "r1", stdout=io.StringIO())
    assert list(Release.objects.all()) == [first]


def test_no_release_while_verdicts_are_being_recomputed(idlib):
    from tracker.models import VerdictRecompute

    ceasefire = Ceasefire.objects.order_by("id").first()
    VerdictRecompute.objects.update_or_create(ceasefire=ceasefire, defaults={"pending_since": utc(2026, 12, 1)})
    with pytest.raises(CommandError, match=f"ceasefire\\(s\\) {ceasefire.pk} are being recomputed"):
        call_command("release", "r1", stdout=io.StringIO())
    assert not Release.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "no_permission", "curator", "reviewer", "ingest", "read_only_token"])
def test_a_release_is_read_only_to_everyone_and_unknown_ones_are_404(assessed, client_for, role):
    frozen = release()
    admin = client_for(role)
    incident = Incident.objects.visible_to(None).first()
    assert admin.post(f"/api/v1/releases/{frozen.name}/incidents/", {}, format="json").status_code == 405
    assert admin.patch(f"/api/v1/releases/{frozen.name}/incidents/{incident.pk}/", {}, format="json").status_code == 405
    assert admin.delete(f"/api/v1/releases/{frozen.name}/incidents/{incident.pk}/").status_code == 405
    assert admin.get(f"/api/v1/releases/{frozen.name}/incidents/{incident.pk}/history/").status_code == 404
    assert admin.post(f"/api/v1/releases/{frozen.name}/incidents/bulk/", [], format="json").status_code == 404
    assert admin.delete(f"/api/v1/releases/{frozen.name}/").status_code == 405
    assert admin.post("/api/v1/releases/", {"name": "mine"}, format="json").status_code == 405
    assert admin.get(f"/api/v1/releases/{frozen.name}/incidents/{incident.pk}/").status_code == 200
    missing = admin.get("/api/v1/releases/nope/incidents/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No release of that name (GET /api/v1/releases/ lists them)."}
    assert admin.get("/api/v1/releases/nope/").status_code == 404


def test_filters_are_the_lists_own_and_bad_ones_are_400(assessed, api):
    frozen = release()
    bad = api.get(f"/api/v1/releases/{frozen.name}/incidents/?kind=teleport")
    assert bad.status_code == 400 and "kind" in bad.json()
    unknown = api.get(f"/api/v1/releases/{frozen.name}/incidents/?colour=red")
    assert unknown.status_code == 400 and "colour" in unknown.json()
    live = api.get("/api/v1/incidents/?kind=airstrike").json()
    released = api.get(f"/api/v1/releases/{frozen.name}/incidents/?kind=airstrike").json()
    assert released == live  # nothing edited yet: the same answer


def test_a_release_is_cached_under_its_own_key(assessed, api, settings):
    settings.TRACKER_RESPONSE_CACHE_SECONDS = 60
    frozen = release()
    url = f"/api/v1/releases/{frozen.name}/incidents/"
    assert api.get(url)["X-Cache"] == "MISS"
    assert api.get(url)["X-Cache"] == "HIT"
    assert api.get("/api/v1/incidents/")["X-Cache"] == "MISS"  # the live list is another answer
    etag = api.get(url)["ETag"]
    assert etag.startswith(f'"gr{frozen.pk}-')
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_reading_a_release_leaves_the_live_tables_in_place(assessed, api):
    frozen = release()
    api.get(f"/api/v1/releases/{frozen.name}/incidents/")
    # The next live read on this connection reads the live table.
    f.IncidentFactory(title="Live only", place=Place.objects.first(), status=IncidentStatus.VERIFIED)
    assert "Live only" in {i["title"] for i in api.get("/api/v1/incidents/?page_size=500").json()["results"]}
    assert "Live only" not in {
        i["title"] for i in api.get(f"/api/v1/releases/{frozen.name}/incidents/?page_size=500").json()["results"]
    }


def test_a_release_page_costs_a_constant_number_of_queries(assessed, api):
    frozen = release()
    url = f"/api/v1/releases/{frozen.name}/incidents/"
    api.get(url)
    with CaptureQueriesContext(connection) as small:
        api.get(f"{url}?page_size=2")
    with CaptureQueriesContext(connection) as large:
        api.get(f"{url}?page_size=50")
    assert len(small) == len(large)


@pytest.mark.django_db(transaction=True)
def test_released_in_its_own_transaction_and_backups_leave_releases_out(idlib, api, tmp_path):
    """Committed, as in real use: the copy in one snapshot (PostgreSQL: repeatable read), read in
    its own transaction; a backup file holds no release, and a restore removes their tables."""
    from tracker import release_tables

    frozen = release("r1")
    assert release_tables.stored_ids() == {frozen.pk}
    live = api.get("/api/v1/incidents/?page_size=500").json()
    assert api.get("/api/v1/releases/r1/incidents/?page_size=500").json() == live
    path = tmp_path / "backup.json"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "Not in the file: 1 release(s)" in out.getvalue()
    assert "tracker.release" not in path.read_text()
    out = io.StringIO()
    call_command("restore", str(path), "--replace", stdout=out)
    assert f"Removed 1 release(s) the backup does not hold (ids {frozen.pk})" in out.getvalue()
    assert not Release.objects.exists() and release_tables.stored_ids() == set()
    again = release("r1")  # the name, and perhaps the id, are free again
    assert again.checksum == frozen.checksum  # the same public record, the same file


def test_every_table_a_released_read_touches_is_released(assessed, client_for):
    """A table left out of the copy would be read live, and later edits would show through."""
    import re

    from tracker import release_tables

    frozen = release()
    copied = {model._meta.db_table for model, _ in release_tables.released()}
    bookkeeping = {"tracker_release", "tracker_apitoken", "tracker_datageneration"}  # read live, by design
    client = client_for("read_only_token")
    touched = set()
    with CaptureQueriesContext(connection) as queries:
        answers(client, frozen.name)
    for query in queries:
        touched |= set(re.findall(r"\b(tracker_[a-z]+)\b", query["sql"]))
    assert touched - copied - bookkeeping == set()
    assert {"tracker_incident", "tracker_assessment", "tracker_citation", "tracker_place"} <= touched


def test_without_public_read_a_release_needs_an_account_like_the_live_api(assessed, client_for, settings):
    frozen = release()
    settings.TRACKER_PUBLIC_READ = False
    anonymous = client_for("anonymous")
    for path in ["/api/v1/releases/", f"/api/v1/releases/{frozen.name}/", f"/api/v1/releases/{frozen.name}/incidents/"]:
        assert anonymous.get(path).status_code == 401, path
    # An unknown name is not confirmed to one who may not read: 401 first.
    assert anonymous.get("/api/v1/releases/nope/incidents/").status_code == 401
    for role in ("curator", "reviewer", "ingest", "read_only_token"):
        reader = client_for(role)
        assert reader.get(f"/api/v1/releases/{frozen.name}/").status_code == 200, role
        assert reader.get(f"/api/v1/releases/{frozen.name}/incidents/").status_code == 200, role
    assert client_for("no_permission").get(f"/api/v1/releases/{frozen.name}/incidents/").status_code == 403


def test_the_citation_names_plain_addresses_whatever_format_was_asked(assessed, api):
    frozen = release()
    body = api.get(f"/api/v1/releases/{frozen.name}/?format=json").json()
    assert body["links"]["self"] == "http://testserver/api/v1/releases/2020-idlib/"
    assert body["citation"].endswith("http://testserver/api/v1/releases/2020-idlib/")
    cff = yaml.safe_load(api.get(f"/api/v1/releases/{frozen.name}/CITATION.cff/?format=json").content)
    assert cff["url"] == "http://testserver/api/v1/releases/2020-idlib/"
