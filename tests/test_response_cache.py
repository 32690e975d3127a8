"""The response cache for anonymous reads (tracker.api.caching) and the data generation every
committed write moves (tracker.generation). These tests commit for real: the generation moves
after a commit, never inside a test's rolled-back transaction."""

import io

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import IncidentFactory
from tracker import generation
from tracker.api.caching import CACHE_ALIAS, CACHE_HEADER
from tracker.choices import IncidentStatus
from tracker.models import ApiToken, DataGeneration, Incident

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/api/v1/incidents/"


@pytest.fixture(autouse=True)
def _response_cache_on(settings):
    settings.TRACKER_RESPONSE_CACHE_SECONDS = 60
    caches[CACHE_ALIAS].clear()
    yield
    caches[CACHE_ALIAS].clear()


def titles(response) -> list[str]:
    return [row["title"] for row in response.json()["results"]]


def test_a_repeated_anonymous_read_is_served_from_the_cache_with_one_query(api):
    incident = IncidentFactory(title="Shelling of Kafranbel")
    first = api.get(LIST, {"kind": "airstrike"})
    assert first.status_code == 200
    assert first[CACHE_HEADER] == "MISS"
    with CaptureQueriesContext(connection) as queries:
        second = api.get(LIST, {"kind": "airstrike"})
    assert second[CACHE_HEADER] == "HIT"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    # Only the facts generation and the page's versions: no session, no token, no filtering.
    assert [q["sql"] for q in queries.captured_queries] == [
        "SELECT id, value FROM tracker_datageneration WHERE id IN (6)",
        f'SELECT id, version FROM "tracker_incident" WHERE id IN ({incident.pk})',
    ]
    # Any other answer: the generation alone.
    detail = f"{LIST}{incident.pk}/"
    assert api.get(detail)[CACHE_HEADER] == "MISS"
    with CaptureQueriesContext(connection) as queries:
        assert api.get(detail)[CACHE_HEADER] == "HIT"
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT value FROM tracker_datageneration WHERE id = 1"]


def test_a_write_through_the_api_is_seen_by_the_next_anonymous_read(api, client_for):
    incident = IncidentFactory(title="Before")
    assert titles(api.get(LIST)) == ["Before"]
    assert api.get(LIST)[CACHE_HEADER] == "HIT"
    curator = client_for("reviewer")
    changed = curator.patch(f"{LIST}{incident.pk}/", {"title": "After"}, format="json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200, changed.json()
    fresh = api.get(LIST)
    assert fresh[CACHE_HEADER] == "MISS"
    assert titles(fresh) == ["After"]
    detail = api.get(f"{LIST}{incident.pk}/")
    assert detail.json()["title"] == "After"
    assert detail["ETag"] == '"2"'
    assert api.get(f"{LIST}{incident.pk}/")["ETag"] == '"2"'  # headers are kept with the body


def test_any_committed_write_moves_the_generation_and_a_rolled_back_one_does_not():
    IncidentFactory()
    start = generation.current()
    assert start is not None
    with transaction.atomic():
        Incident.objects.update(title="Renamed")
        Incident.objects.update(title="Renamed again")
        assert generation.current() == start  # not before the commit
    assert generation.current() == start + 1  # once per transaction
    with pytest.raises(RuntimeError), transaction.atomic():
        Incident.objects.update(title="Never")
        raise RuntimeError
    assert generation.current() == start + 1
    Incident.objects.update(title="Autocommit")
    assert generation.current() == start + 2
    Incident.objects.filter(title="no such").exists()  # reads move nothing
    assert generation.current() == start + 2
    with transaction.atomic():  # a write only in a savepoint that rolled back: nothing changed
        Incident.objects.filter(title="no such").exists()
        with pytest.raises(RuntimeError), transaction.atomic():
            Incident.objects.update(title="Never either")
            raise RuntimeError
    assert generation.current() == start + 2
    with transaction.atomic():  # a write beside a savepoint that rolled back: one bump
        Incident.objects.update(title="Kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            Incident.objects.update(title="Never")
            raise RuntimeError
    assert generation.current() == start + 3


def test_a_write_outside_the_api_also_refreshes_cached_answers(api):
    IncidentFactory(title="Before")
    assert titles(api.get(LIST)) == ["Before"]
    with transaction.atomic():  # as a management command or the admin would
        Incident.objects.update(title="After")
    assert titles(api.get(LIST)) == ["After"]


def test_readers_of_one_visibility_class_share_answers_and_classes_never_mix(api, client_for, user_for):
    """A token that may not view unpublished incidents reads what the public reads, from the same
    cached answer; curators share theirs; an unpublished title never reaches a public answer."""
    IncidentFactory(title="Public")
    IncidentFactory(title="Pending <b>unpublished</b>", status=IncidentStatus.IN_REVIEW, occurred_at="2020-01-16T08:00:00Z")
    curator, reviewer = client_for("curator"), client_for("reviewer")
    # A machine client whose user may not view unpublished incidents is a public reader.
    _, key = ApiToken.issue(user=user_for("no_permission"), read_only=True)
    token_reader = APIClient()
    token_reader.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    first = curator.get(LIST)  # a curator asks first: the unpublished title is in its answer
    assert (first[CACHE_HEADER], titles(first)) == ("MISS", ["Pending <b>unpublished</b>", "Public"])
    public = api.get(LIST)
    assert (public[CACHE_HEADER], titles(public)) == ("MISS", ["Public"])
    assert b"unpublished" not in public.content
    assert (reviewer.get(LIST)[CACHE_HEADER], titles(reviewer.get(LIST))) == ("HIT", ["Pending <b>unpublished</b>", "Public"])
    shared = token_reader.get(LIST)  # its use is recorded: bookkeeping, the answers stay cached
    assert (shared.status_code, shared[CACHE_HEADER], shared.content) == (200, "HIT", public.content)
    assert curator.get(LIST).content == first.content
    for answer in (first, public, shared):
        assert {"accept", "authorization", "cookie"} <= {v.strip().lower() for v in answer["Vary"].split(",")}


def test_a_poller_that_has_the_current_answer_gets_304(api, client_for):
    incident = IncidentFactory(title="Before")
    first = api.get(LIST)
    etag = first["ETag"]
    assert etag.startswith('"g') and len(etag) > 20
    with CaptureQueriesContext(connection) as queries:
        again = api.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert len(queries.captured_queries) == 2  # the facts generation, the page's versions
    assert api.get(LIST, HTTP_IF_NONE_MATCH=f'W/{etag}, "other"').status_code == 304  # compared weakly, in a list
    # Another class, URL or format has another tag: the full answer.
    assert client_for("curator").get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert api.get(LIST, {"format": "csv"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    # After a write, the tag moves on and the new answer is sent.
    client_for("reviewer").patch(f"{LIST}{incident.pk}/", {"title": "After"}, format="json", HTTP_IF_MATCH='"1"')
    fresh = api.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert (fresh.status_code, titles(fresh)) == (200, ["After"])
    assert fresh["ETag"] != etag
    assert api.get(LIST, HTTP_IF_NONE_MATCH=fresh["ETag"]).status_code == 304
    # A record keeps its version as its ETag (what If-Match writes compare).
    assert api.get(f"{LIST}{incident.pk}/")["ETag"] == '"2"'


def test_each_format_and_url_is_cached_on_its_own(api):
    IncidentFactory(title="Strike")
    as_json = api.get(LIST)
    as_csv = api.get(LIST, {"format": "csv"})
    assert as_csv[CACHE_HEADER] == "MISS"
    assert as_csv["Content-Type"].startswith("text/csv")
    assert api.get(LIST, {"format": "csv"}).content == as_csv.content
    assert api.get(LIST, HTTP_ACCEPT="application/geo+json")[CACHE_HEADER] == "MISS"
    assert api.get(LIST)[CACHE_HEADER] == "HIT"
    assert api.get(LIST)["Content-Type"] == as_json["Content-Type"]
    # `next` links are absolute: another host name is another answer.
    assert api.get(LIST, HTTP_HOST="localhost")[CACHE_HEADER] == "MISS"


def test_throttles_and_errors_hold_for_cached_answers(api, settings):
    IncidentFactory()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/min"},
    }
    assert api.get(LIST)[CACHE_HEADER] == "MISS"
    assert api.get(LIST)[CACHE_HEADER] == "HIT"
    refused = api.get(LIST)
    assert refused.status_code == 429
    assert CACHE_HEADER not in refused


def test_errors_and_clock_dependent_answers_are_not_cached(api):
    IncidentFactory()
    bad = api.get(LIST, {"kind": "teleport"})
    assert bad.status_code == 400 and CACHE_HEADER not in bad
    feed = api.get(LIST, {"updated_since": "2020-01-01T00:00:00Z"})
    assert feed.status_code == 200 and CACHE_HEADER not in feed
    removed = api.get(f"{LIST}deleted/", {"since": "2020-01-01T00:00:00Z"})
    assert removed.status_code == 200 and CACHE_HEADER not in removed


def test_turned_off_it_caches_nothing(api, settings):
    settings.TRACKER_RESPONSE_CACHE_SECONDS = 0
    IncidentFactory()
    assert CACHE_HEADER not in api.get(LIST)
    assert CACHE_HEADER not in api.get(LIST)


def test_a_lost_generation_row_comes_back_at_an_unused_value(api):
    before = generation.current()
    DataGeneration.objects.all().delete()  # a write: its own bump recreates the row
    after = generation.current()
    assert after is not None and after != before + 1


def test_the_write_watcher_outlives_other_execute_wrappers():
    def passthrough(execute, sql, params, many, context):
        return execute(sql, params, many, context)

    IncidentFactory()
    connection.close()
    with connection.execute_wrapper(passthrough):
        connection.ensure_connection()  # opened inside: the watcher is installed now
    start = generation.current()
    Incident.objects.update(title="Renamed")
    assert generation.current() == start + 1


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ("SELECT 1", False),
        ('  select "id" FROM x FOR UPDATE', False),
        ("SAVEPOINT s1", False),
        ("RELEASE SAVEPOINT s1", False),
        ("WITH RECURSIVE t AS (SELECT 1) SELECT * FROM t", False),
        ("WITH moved AS (DELETE FROM x RETURNING id) SELECT * FROM moved", True),
        ('INSERT INTO "tracker_incident" ("id") VALUES (1)', True),
        ('UPDATE "tracker_incident" SET "title" = %s', True),
        ('DELETE FROM "tracker_incident"', True),
        ('TRUNCATE "tracker_incident"', True),
        ("CREATE TABLE x (id int)", True),
        # Bookkeeping no answer shows: a token's last use, idempotency keys, sessions.
        ('UPDATE "tracker_apitoken" SET "last_used_at" = %s WHERE "tracker_apitoken"."id" = %s', False),
        ('INSERT INTO "tracker_idempotencyrecord" ("key") VALUES (%s)', False),
        ('DELETE FROM "django_session" WHERE "session_key" = %s', False),
        ('UPDATE "tracker_apitoken_x" SET "a" = 1', True),
        # The webhooks' rows and the task queue's: no cached answer shows them.
        ('UPDATE "tracker_delivery" SET "attempts" = %s WHERE "tracker_delivery"."id" = %s', False),
        ('INSERT INTO "tracker_incidentevent" ("incident_id") VALUES (%s)', False),
        ('INSERT OR IGNORE INTO "tracker_subscriptionincident" ("incident_id") VALUES (%s)', False),
        ('INSERT OR IGNORE INTO "tracker_incident" ("id") VALUES (%s)', True),
        ('UPDATE "django_tasks_database_dbtaskresult" SET "status" = %s', False),
    ],
)
def test_which_statements_count_as_writes(sql, writes):
    assert generation._is_write(sql) is writes


def test_bump_generation_invalidates_cached_answers_after_writes_outside_django(api):
    IncidentFactory(title="Before")
    assert titles(api.get(LIST)) == ["Before"]
    connection.ensure_connection()
    # The driver's own cursor, as psql would write: Django (and the watcher) never sees it.
    raw = connection.connection.cursor()
    raw.execute("UPDATE tracker_incident SET title = 'After'")
    raw.close()
    assert titles(api.get(LIST)) == ["Before"]  # until the answer expires...
    out = io.StringIO()
    call_command("bump_generation", stdout=out)
    assert out.getvalue() == f"Data generation is now {generation.current()}.\n"
    assert titles(api.get(LIST)) == ["After"]  # ...or the generation is moved by hand


def test_the_browsable_api_is_never_shared_between_visitors(client):
    """The hostile review's finding: the cached HTML carried the first visitor's masked CSRF
    token to everyone."""
    import re

    from django.test import Client

    IncidentFactory(title="Shelling of Kafranbel")
    tokens = set()
    for visitor in (client, Client(), Client()):
        page = visitor.get(LIST, HTTP_ACCEPT="text/html")
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        assert CACHE_HEADER not in page
        (token,) = re.findall(r'"csrfToken": "([^"]+)"', page.content.decode())
        tokens.add(token)
        assert visitor.cookies["csrftoken"].value  # each visitor gets a token of their own
    assert len(tokens) == 3
    # JSON for the same URL is still cached.
    assert client.get(LIST)[CACHE_HEADER] == "MISS" and client.get(LIST)[CACHE_HEADER] == "HIT"


# --- families: answers that read a few tables survive writes elsewhere -----------------------

FAMILY_READS = {
    "places": ["/api/v1/places/", "/api/v1/places/?q=maaret&kind=town", "/api/v1/places/resolve/?name=Maaret"],
    "parties": ["/api/v1/parties/", "/api/v1/parties/?q=russia"],
    "sources": ["/api/v1/sources/", "/api/v1/sources/?kind=wire_agency"],
    "reports": ["/api/v1/reports/", "/api/v1/reports/?original_only=true"],
}


def test_incident_writes_leave_the_gazetteer_parties_sources_and_reports_cached(api):
    from tests.factories import PartyFactory, PlaceFactory, ReportFactory

    place, party, report = PlaceFactory(name="Maaret al-Numan"), PartyFactory(name="Russia"), ReportFactory()
    paths = [path for paths in FAMILY_READS.values() for path in paths]
    assert {path: api.get(path).get(CACHE_HEADER) for path in paths} == dict.fromkeys(paths, "MISS")
    IncidentFactory(place=place, perpetrator=party, attribution="alleged")  # a curator's day: incidents, citations, verdicts
    assert {path: api.get(path)[CACHE_HEADER] for path in paths} == dict.fromkeys(paths, "HIT")
    assert api.get(LIST)[CACHE_HEADER] == "MISS"
    assert api.get(LIST)[CACHE_HEADER] == "HIT"
    # A place write moves the places and everything that shows places (the incident list), not the rest.
    place.name = "Ma'arrat al-Nu'man"
    place.save()
    assert api.get("/api/v1/places/")[CACHE_HEADER] == "MISS"
    assert "Ma'arrat al-Nu'man" in [p["name"] for p in api.get("/api/v1/places/").json()["results"]]
    assert api.get(LIST)[CACHE_HEADER] == "MISS"
    assert api.get("/api/v1/parties/")[CACHE_HEADER] == "HIT"
    # A party write reaches the sources (their affiliations show parties); a report write, only reports.
    party.name = "Russian Federation"
    party.save()
    assert (api.get("/api/v1/parties/")[CACHE_HEADER], api.get("/api/v1/sources/")[CACHE_HEADER]) == ("MISS", "MISS")
    assert api.get("/api/v1/reports/")[CACHE_HEADER] == "HIT"
    report.title = "Retitled"
    report.save()
    assert api.get("/api/v1/reports/")[CACHE_HEADER] == "MISS"
    assert api.get("/api/v1/sources/")[CACHE_HEADER] == "HIT"


@pytest.mark.parametrize("family", sorted(FAMILY_READS))
def test_a_family_keyed_answer_reads_only_its_familys_tables(family, api):
    """What makes it safe: every table such an answer reads is one whose writes move its key."""
    import re

    from tests.factories import CitationFactory, PartyFactory, PlaceFactory, ReportFactory, SourceFactory

    CitationFactory(
        incident=IncidentFactory(place=PlaceFactory(), perpetrator=PartyFactory(), attribution="alleged"),
        report=ReportFactory(source=SourceFactory(affiliated_party=PartyFactory())),
    )
    view = {"places": "PlaceViewSet", "parties": "PartyViewSet", "sources": "SourceViewSet", "reports": "ReportViewSet"}
    from tracker.api import views

    families = getattr(views, view[family]).cache_families
    allowed = {table for table, name in generation._FAMILY_OF.items() if name in families}
    allowed |= {generation.TABLE, "tracker_apitoken"}
    with CaptureQueriesContext(connection) as queries:
        for path in FAMILY_READS[family]:
            assert api.get(path).status_code == 200
    touched = {t for q in queries for t in re.findall(r"\b(tracker_[a-z]+)\b", q["sql"])}
    assert touched - allowed == set()


def test_every_family_moves_with_a_write_whose_target_is_unknown():
    IncidentFactory()
    before = generation.current(families=tuple(generation.FAMILIES))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_incident")  # neither a read nor a write the watcher can place
    after = generation.current(families=tuple(generation.FAMILIES))
    assert all(a == b + 1 for a, b in zip(map(int, after.split(".")), map(int, before.split(".")), strict=True))


# --- lists checked row by row: a prose edit refreshes one row, not the page ---------------------


def test_a_prose_edit_refreshes_only_its_row_and_leaves_other_lists_cached(api, client_for):
    shelling = IncidentFactory(title="Shelling of Kafranbel", kind="artillery_shelling", description="First words")
    strike = IncidentFactory(title="Airstrike on Maaret al-Numan", kind="airstrike")
    reviewer = client_for("reviewer")  # before the reads: a user's creation moves the lists (verdicts name users)
    paths = [LIST, f"{LIST}?kind=artillery_shelling", f"{LIST}?kind=airstrike", f"{LIST}?format=csv"]
    assert [api.get(path)[CACHE_HEADER] for path in paths] == ["MISS"] * 4
    lists = generation.current(families=(generation.FACTS,))
    edit = reviewer.patch(f"{LIST}{shelling.pk}/", {"description": "Second words"}, format="json", HTTP_IF_MATCH='"1"')
    assert edit.status_code == 200, edit.json()
    assert generation.current(families=(generation.FACTS,)) == lists  # the lists' membership cannot have moved
    with CaptureQueriesContext(connection) as queries:
        refreshed = api.get(LIST)
    read = [q["sql"] for q in queries.captured_queries]
    assert refreshed[CACHE_HEADER] == "REFRESHED"
    by_id = {row["id"]: row for row in refreshed.json()["results"]}
    assert (by_id[shelling.pk]["description"], by_id[shelling.pk]["version"]) == ("Second words", 2)
    # The refresh read the one moved row (and its citations and verdicts), not the page.
    # The facts generation, the page's versions, the row, its place, its citations, its verdicts.
    assert len(read) == 6, read
    assert read[2].endswith(f'"tracker_incident"."id" IN ({shelling.pk})) ORDER BY 5 DESC, 1 DESC'), read[2]
    assert api.get(LIST)[CACHE_HEADER] == "HIT"
    # A list without the edited incident is still a HIT; one with it refreshes; the CSV too.
    assert api.get(f"{LIST}?kind=airstrike")[CACHE_HEADER] == "HIT"
    assert api.get(f"{LIST}?kind=artillery_shelling")[CACHE_HEADER] == "REFRESHED"
    csv = api.get(f"{LIST}?format=csv")
    assert csv[CACHE_HEADER] == "REFRESHED" and "Second words" in csv.content.decode()
    assert csv["Content-Type"].startswith("text/csv")
    # Each refreshed answer is exactly what a fresh page says, byte for byte.
    caches[CACHE_ALIAS].clear()
    assert api.get(LIST).content == refreshed.content
    assert api.get(f"{LIST}?format=csv").content == csv.content
    # A change of anything but prose moves the lists: the page anew.
    changed = reviewer.patch(f"{LIST}{strike.pk}/", {"kind": "artillery_shelling"}, format="json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200, changed.json()
    assert generation.current(families=(generation.FACTS,)) != lists
    answer = api.get(f"{LIST}?kind=artillery_shelling")
    assert answer[CACHE_HEADER] == "MISS"
    assert {row["id"] for row in answer.json()["results"]} == {shelling.pk, strike.pk}


@pytest.mark.parametrize(
    ("query", "checked"),
    [
        ("", True),
        ("kind=airstrike&ordering=-occurred_at", True),
        ("ordering=fatalities", True),
        ("q=market", False),  # searches the prose
        ("ordering=-updated_at", False),  # ordered by what a prose edit moves
        ("ordering=occurred_at&ordering=updated_at", False),
    ],
)
def test_which_lists_are_checked_row_by_row(query, checked, api, client_for):
    incident = IncidentFactory(title="Market shelled", description="Before")
    reviewer, path = client_for("reviewer"), f"{LIST}?{query}"
    assert api.get(path)[CACHE_HEADER] == "MISS"
    reviewer.patch(f"{LIST}{incident.pk}/", {"title": "Market shelled again"}, format="json", HTTP_IF_MATCH='"1"')
    assert api.get(path)[CACHE_HEADER] == ("REFRESHED" if checked else "MISS")


def test_a_prose_update_outside_the_services_moves_the_lists():
    """Without a version move, a reader's check could not see the edit: the lists move instead."""
    incident = IncidentFactory()
    lists = generation.current(families=(generation.FACTS,))
    Incident.objects.filter(pk=incident.pk).update(title="Retitled")
    assert generation.current(families=(generation.FACTS,)) != lists
    lists = generation.current(families=(generation.FACTS,))
    with transaction.atomic():  # as the services write it: the version claimed, then the prose
        Incident.objects.filter(pk=incident.pk).update(version=F("version") + 1)
        Incident.objects.filter(pk=incident.pk).update(title="Retitled again", updated_at=timezone.now())
    assert generation.current(families=(generation.FACTS,)) == lists


def test_a_hostile_title_is_refreshed_as_text_and_classes_never_mix(api, client_for):
    """The refresh reads rows as the reader's class may see them: a draft never reaches the public."""
    public = IncidentFactory(title="Public", status=IncidentStatus.VERIFIED)
    draft = IncidentFactory(title="Draft", status=IncidentStatus.DRAFT)
    curator, reviewer = client_for("curator"), client_for("reviewer")
    assert [r["id"] for r in api.get(LIST).json()["results"]] == [public.pk]
    assert {r["id"] for r in curator.get(LIST).json()["results"]} == {public.pk, draft.pk}
    for incident in (public, draft):
        hostile = {"title": '<img src=x onerror=alert(1)>=HYPERLINK("http://x")'}
        assert reviewer.patch(f"{LIST}{incident.pk}/", hostile, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    public_answer = api.get(LIST)
    assert public_answer[CACHE_HEADER] == "REFRESHED"
    assert [r["id"] for r in public_answer.json()["results"]] == [public.pk]
    assert b"Draft" not in public_answer.content
    assert {r["title"] for r in curator.get(LIST).json()["results"]} == {hostile["title"]}


@pytest.mark.parametrize(
    ("sql", "moves"),
    [
        # The service layer's compare-and-set, then the prose and bookkeeping it saves.
        (
            'UPDATE "tracker_incident" SET "version" = ("tracker_incident"."version" + %s) '
            'WHERE ("tracker_incident"."id" = %s AND "tracker_incident"."version" IN (%s))',
            "versioned",
        ),
        (
            'UPDATE "tracker_incident" SET "updated_at" = %s, "updated_by_id" = %s, "description" = %s '
            'WHERE "tracker_incident"."id" = %s',
            "prose",
        ),
        ('UPDATE "tracker_incident" SET "title" = %s, "version" = %s WHERE "tracker_incident"."id" = %s', "versioned"),
        # Anything else an incident UPDATE sets can move a list.
        ('UPDATE "tracker_incident" SET "title" = %s, "status" = %s WHERE "tracker_incident"."id" = %s', {"facts"}),
        (
            'UPDATE "tracker_incident" SET "title" = CASE WHEN ("tracker_incident"."id" = %s) THEN %s ELSE NULL END '
            'WHERE "tracker_incident"."id" IN (%s)',
            {"facts"},
        ),
        ('UPDATE "tracker_incident" SET "title" = %s', {"facts"}),  # every incident, no WHERE: not read as prose
        ('INSERT INTO "tracker_historicalincident" ("id") VALUES (%s)', set()),  # no list reads history
        ('INSERT INTO "tracker_historicalplace" ("id") VALUES (%s)', {"places"}),
        ('INSERT INTO "tracker_place" ("id") VALUES (%s)', {"places", "facts"}),
        ('INSERT INTO "auth_user" ("id") VALUES (%s)', {"facts"}),  # verdicts name who overrode them
        ("ANALYZE tracker_incident", generation.ALL),
    ],
)
def test_which_writes_move_the_lists(sql, moves):
    found = generation._moves(sql)
    named = {generation._PROSE: "prose", generation._VERSIONED: "versioned"}
    assert named.get(found, found) == moves


def test_answers_that_show_no_prose_survive_a_prose_edit(api, client_for):
    """Aggregates, a ceasefire, its compliance series and its violations (rows refreshed) stay
    cached through an edit of an incident's words, and move with anything else."""
    from tests.factories import AssessmentFactory, CeasefireFactory

    ceasefire = CeasefireFactory()
    incident = IncidentFactory(title="Shelling of Kafranbel", kind="artillery_shelling")
    AssessmentFactory(incident=incident, ceasefire=ceasefire, verdict="violation")
    reviewer = client_for("reviewer")
    free = [
        f"{LIST}aggregate/?group_by=kind",
        f"/api/v1/ceasefires/{ceasefire.pk}/",
        f"/api/v1/ceasefires/{ceasefire.pk}/compliance/",
        "/api/v1/ceasefires/",
    ]
    violations = f"/api/v1/ceasefires/{ceasefire.pk}/violations/"
    searched = [f"{LIST}aggregate/?group_by=kind&q=kafranbel", f"{violations}?q=kafranbel"]
    paths = [*free, violations, *searched]
    assert {path: api.get(path)[CACHE_HEADER] for path in paths} == dict.fromkeys(paths, "MISS")
    edit = reviewer.patch(f"{LIST}{incident.pk}/", {"title": "Shelling of Kafranbel market"}, format="json", HTTP_IF_MATCH='"1"')
    assert edit.status_code == 200, edit.json()
    assert {path: api.get(path)[CACHE_HEADER] for path in free} == dict.fromkeys(free, "HIT")
    refreshed = api.get(violations)
    assert refreshed[CACHE_HEADER] == "REFRESHED"
    assert [row["title"] for row in refreshed.json()["results"]] == ["Shelling of Kafranbel market"]
    assert {path: api.get(path)[CACHE_HEADER] for path in searched} == dict.fromkeys(searched, "MISS")
    # The history of a ceasefire is history: never keyed by the facts.
    assert reviewer.get(f"/api/v1/ceasefires/{ceasefire.pk}/history/")[CACHE_HEADER] == "MISS"
    # Anything else moves them all.
    moved = reviewer.patch(f"{LIST}{incident.pk}/", {"killed_low": 3, "killed_high": 3}, format="json", HTTP_IF_MATCH='"2"')
    assert moved.status_code == 200, moved.json()
    assert {path: api.get(path)[CACHE_HEADER] for path in [*free, violations]} == dict.fromkeys([*free, violations], "MISS")
