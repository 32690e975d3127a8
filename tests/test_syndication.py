"""Near-copy detection: a wire story and the outlets' versions of it form one cluster linked
to the earliest report; an independent story on the same event stays apart.

The texts are written for these tests (a fictional truce), with the structure of the founding
articles: one wire story; copies with their own headline, caption, added paragraphs, small
edits or a different ending; and an independent account of the same event.
"""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from tests.factories import ReportFactory, SourceFactory, UserFactory
from tests.helpers import if_match
from tracker.domain.syndication import compare, fingerprint
from tracker.models import Report
from tracker.services import sources

pytestmark = pytest.mark.django_db

WIRE = [
    "Artillery fire stopped along the northern front line early on Sunday as a truce brokered by two neighbouring "
    "governments took effect at midnight, residents and a monitoring group said.",
    "The truce covers the province of Westvale and the hills around the market town of Oldbridge, where fighting "
    "between government troops and rebel brigades has displaced tens of thousands of people since the autumn.",
    "A resident of Oldbridge reached by telephone said the night had been quiet for the first time in weeks, "
    "although drones could still be heard over the eastern villages before dawn.",
    "The monitoring group, which relies on a network of sources on the ground, said it had recorded no air strikes "
    "in the first six hours but reported shelling on two villages shortly before the truce began.",
    "The defence ministry in the capital said its forces would respond to any violation and accused the rebels of "
    "moving fighters toward the ring road during the evening.",
    "Rebel commanders said they would abide by the agreement as long as government forces did the same, and "
    "called on the guarantor states to deploy observers along the front.",
    "Previous truces in the province collapsed within days, each side blaming the other for the first breach.",
    "Aid agencies said they hoped the pause would allow convoys carrying food and medicine to reach camps near the "
    "border, where families have spent the winter in tents.",
    "The foreign ministers of the two guarantor states are due to meet on Thursday to discuss monitoring "
    "arrangements and the reopening of the main highway.",
]
ADDED = [
    "Our correspondent in the border town saw long queues of trucks waiting at the crossing on Sunday morning.",
    "The province had a population of about three million people before the war, according to official figures.",
    "Shopkeepers in the old market reopened for the first time since December, selling bread, fuel and batteries "
    "to families who had stayed through the bombardment.",
    "Local councils run by the opposition said schools would stay closed for at least another week until engineers "
    "had checked the buildings for unexploded shells.",
    "The truce is the third announced for the region this year; the previous one was declared in the summer and "
    "ignored within hours by both sides.",
    "Analysts in the capital said the agreement reflected pressure from the guarantor states, whose own troops are "
    "stationed at observation posts inside the province.",
]
INDEPENDENT = (
    "Guns fell silent across Westvale province at midnight under a ceasefire arranged by the two regional powers, "
    "though monitors logged scattered shelling in the hours before it started. Residents of Oldbridge described the "
    "calm as fragile. Government officials warned that they would hit back at any breach, while opposition fighters "
    "demanded international observers. A similar agreement last year broke down within a week. Humanitarian "
    "groups are preparing to send supplies to displaced families sheltering near the frontier, and diplomats will "
    "hold talks later in the week on how compliance will be verified."
)

# The wire's next story: new events, and two of the first story's background sentences lightly
# reworded (the founding Moscow Times piece shares 2-3 % of its shingles with the first Reuters
# story, but two such sentences).
FOLLOW_UP = [
    "Government aircraft resumed strikes on villages east of Oldbridge on Tuesday, two days into a truce that had "
    "brought the first quiet nights in weeks, residents and rescue workers said.",
    "A rescue worker said four people, including two children, were killed when a house in the village of Millford "
    "was hit shortly after dawn.",
    "The defence ministry denied carrying out any strikes and said its forces had only answered rebel fire near the ring road.",
    "Fighting between government troops and rebel brigades in the province of Westvale and the hills around "
    "Oldbridge has displaced tens of thousands of people since the autumn.",
    "Earlier truces in the province collapsed within days, with each side blaming the other for the first breach.",
    "The monitoring group said it had counted eleven air strikes on Tuesday morning alone.",
    "Hospital staff in Oldbridge said they had received at least nine wounded by midday, most of them farmers "
    "caught in the open.",
    "Rebel spokesmen threatened to withdraw from the agreement if the raids continued into a second day.",
    "Convoys of aid trucks that had been due to cross into the province on Wednesday were put on hold, a relief "
    "official said, because drivers refused to travel while aircraft circled overhead.",
    "The guarantor states did not comment on the strikes, and a planned meeting of their foreign ministers was "
    "postponed without a new date.",
]


# The agency's story five days on, shaped like the founding Moscow Times piece (a later Reuters
# story): a byline in markup, a date line, new events, and two background sentences of the first
# story cut down and reworded — most of each shortened sentence's words recur in the original,
# but the sentences differ in length (8-10 content words against 20), so word-set similarity is
# low (about 0.4) and the old MinHash sentence keys shared at most one band with the original.
LATER = [
    "By <u>Northwire</u>",
    "March 12, 2021",
    "Rebel brigades shelled the outskirts of the provincial capital on Friday and government aircraft struck two "
    "villages in reply, the heaviest exchange since a truce took effect in Westvale last weekend, residents said.",
    "The fighting around Oldbridge has displaced tens of thousands of people since the autumn, aid workers say.",
    "The monitoring group relies on a network of sources and recorded shelling on two villages.",
    "A spokesman for the rebels said their fighters had answered artillery fire that hit a school in the morning.",
    "Both guarantor states urged restraint and said their foreign ministers would speak by telephone over the weekend.",
    "Aid officials said a convoy of twelve trucks had turned back at the last checkpoint before the front.",
]


def text(paragraphs) -> str:
    return "\n\n".join(paragraphs)


def report(title: str, body: str, day: int, user=None) -> Report:
    data = {
        "source": SourceFactory(),
        "title": title,
        "body": body,
        "published_at": datetime(2021, 3, day, 8, tzinfo=UTC),
    }
    return sources.report_create(data=data, user=user)


def edited(paragraph: str) -> str:
    """An outlet's small edits: house style for numbers and names, a word here and there."""
    return (
        paragraph.replace("tens of thousands", "more than 50,000")
        .replace("on Sunday", "on Sunday, March 7")
        .replace("the capital", "Capitol City")
        .replace("said", "told reporters")
    )


@pytest.fixture
def cluster(roles):
    """A wire story and three outlets' versions, each sharing about 40-70 % of the shorter
    text's shingles with it (the founding articles' copies share 38-54 %), and an
    independent story on the same event."""
    user = UserFactory(roles=["curator"])
    wire = report("Truce takes hold in Westvale", text(WIRE), 7, user)
    headline = report(
        "Quiet night in Oldbridge as guns fall silent",
        text(["Photo: a child walks past a damaged shop in Oldbridge on Saturday.", ADDED[2], *WIRE[:6], ADDED[3], ADDED[5]]),
        8,
        user,
    )
    added = report(
        "Westvale truce begins",
        text([*map(edited, WIRE[:3]), ADDED[0], ADDED[4], *WIRE[5:8], ADDED[1], ADDED[3]]),
        8,
        user,
    )
    shortened = report(
        "Ceasefire starts in northern province",
        text([*WIRE[:4], ADDED[5], "Talks on monitoring will continue next week, officials said, without giving a date."]),
        9,
        user,
    )
    independent = report("Fragile calm in Westvale", INDEPENDENT, 8, user)
    return {"wire": wire, "headline": headline, "added": added, "shortened": shortened, "independent": independent}


def links() -> dict[str, str | None]:
    return {r.title: (r.syndicated_from.title if r.syndicated_from else None) for r in Report.objects.all()}


def test_copies_link_to_the_wire_story_and_the_independent_story_stays_apart(cluster):
    assert links() == {
        "Truce takes hold in Westvale": None,
        "Quiet night in Oldbridge as guns fall silent": "Truce takes hold in Westvale",
        "Westvale truce begins": "Truce takes hold in Westvale",
        "Ceasefire starts in northern province": "Truce takes hold in Westvale",
        "Fragile calm in Westvale": None,
    }
    scores = {r.title: r.syndication_score for r in Report.objects.exclude(syndicated_from=None)}
    assert all(0.3 <= s <= 0.8 for s in scores.values()), scores  # edited copies, not verbatim


def test_an_original_entered_after_its_copies_becomes_their_original(roles):
    user = UserFactory(roles=["curator"])
    copy = report("Copy first", "Photo caption.\n\n" + text(WIRE), 9, user)
    other = report("Another copy", text(WIRE[:7]), 10, user)
    assert Report.objects.get(pk=other.pk).syndicated_from_id == copy.pk
    wire = report("The wire story, dated earlier", text(WIRE), 7, user)
    assert Report.objects.get(pk=copy.pk).syndicated_from_id == wire.pk
    assert Report.objects.get(pk=other.pk).syndicated_from_id == wire.pk
    # One history row per report write: the copy's creation and its re-pointing.
    assert [h.history_type for h in Report.history.filter(id=copy.pk).order_by("history_id")] == ["+", "~"]


def test_api_shows_the_cluster_and_filters_originals(cluster, client_for):
    api = client_for("curator")
    wire, added = cluster["wire"], cluster["added"]
    body = api.get(f"/api/v1/reports/{added.pk}/").json()
    members = sorted(r.pk for r in cluster.values() if r is not cluster["independent"])
    assert body["syndicated_from"] == wire.pk and body["cluster"][0] == wire.pk and sorted(body["cluster"]) == members
    assert 0.3 <= body["syndication_score"] <= 0.8
    assert api.get(f"/api/v1/reports/{cluster['independent'].pk}/").json()["cluster"] == []
    originals = api.get("/api/v1/reports/?original_only=true").json()["results"]
    assert sorted(r["id"] for r in originals) == sorted([wire.pk, cluster["independent"].pk])
    copies = api.get("/api/v1/reports/?original_only=false").json()["results"]
    assert len(copies) == 3
    assert api.get("/api/v1/reports/?original_only=maybe").status_code == 400


def test_a_curators_detach_is_kept_across_recomputation(cluster, client_for):
    curator = client_for("curator")
    shortened = cluster["shortened"]
    response = curator.patch(
        f"/api/v1/reports/{shortened.pk}/", {"syndication_decision": "detached"}, format="json", **if_match(shortened)
    )
    assert response.status_code == 200, response.content
    assert (response.json()["syndicated_from"], response.json()["syndication_score"]) == (None, None)
    out = io.StringIO()
    call_command("detect_syndication", stdout=out)
    assert Report.objects.get(pk=shortened.pk).syndicated_from is None
    assert "1 decided by a curator" in out.getvalue()
    # Back to automatic: detected again.
    again = curator.patch(f"/api/v1/reports/{shortened.pk}/", {"syndication_decision": ""}, format="json", **if_match(shortened))
    assert again.json()["syndicated_from"] == cluster["wire"].pk


def test_detect_syndication_can_keep_the_index(cluster):
    from tracker.models import ReportBand

    keys = sorted(ReportBand.objects.values_list("report_id", "key"))
    Report.objects.update(syndicated_from=None, syndication_score=None)
    call_command("detect_syndication", "--keep-index", stdout=io.StringIO())
    assert links()["Westvale truce begins"] == "Truce takes hold in Westvale"
    assert sorted(ReportBand.objects.values_list("report_id", "key")) == keys


def test_detect_syndication_rebuilds_links_from_scratch(cluster):
    Report.objects.update(syndicated_from=None, syndication_score=None)  # as if never detected
    out = io.StringIO()
    call_command("detect_syndication", stdout=out)
    assert links()["Westvale truce begins"] == "Truce takes hold in Westvale"
    assert out.getvalue().strip() == "reports: 3 linked, 0 originals, 2 unchanged, 0 decided by a curator"


def test_a_later_wire_story_reusing_two_background_sentences_joins_the_cluster(cluster, client_for):
    follow_up = report("Strikes resume two days into Westvale truce", text(FOLLOW_UP), 10)
    follow_up.refresh_from_db()
    assert follow_up.syndicated_from == cluster["wire"]
    assert follow_up.syndication_shared_sentences == 2 and follow_up.syndication_score < 0.15  # not by overlap
    body = client_for("curator").get(f"/api/v1/reports/{follow_up.pk}/").json()
    assert (body["syndicated_from"], body["syndication_shared_sentences"]) == (cluster["wire"].pk, 2)
    assert follow_up.pk in body["cluster"]


def test_one_quoted_sentence_or_shared_vocabulary_is_not_a_copy(cluster):
    # Another outlet's own story quoting the ministry's statement word for word: one shared sentence.
    own_story = [s for s in FOLLOW_UP if s not in (FOLLOW_UP[3], FOLLOW_UP[4])]
    quoting = report("Ministry warns rebels", text([*own_story, WIRE[4]]), 9)
    assert quoting.syndication_shared_sentences is None and quoting.syndicated_from is None
    assert compare(fingerprint(quoting.body), fingerprint(cluster["wire"].body)).shared_sentences == 1
    # The independent story on the same event shares the vocabulary, not the sentences.
    assert cluster["independent"].syndicated_from is None


def test_the_shared_sentence_count_is_a_setting(cluster, settings):
    settings.TRACKER_SYNDICATION_MIN_SHARED_SENTENCES = 3
    assert report("Strikes resume", text(FOLLOW_UP), 10).syndicated_from is None


def test_short_texts_are_not_compared(roles):
    first = ReportFactory(body="Statement: we observe the truce.")
    second = report("Same short statement", "Statement: we observe the truce.", 9)
    assert (first.bands.count(), second.syndicated_from) == (0, None)


def test_admin_shows_the_cluster_and_detaches(cluster, client):
    from django.urls import reverse

    client.force_login(UserFactory(username="curator", roles=["curator"]))
    page = client.get(reverse("admin:tracker_report_change", args=[cluster["added"].pk])).content.decode()
    score = Report.objects.get(pk=cluster["added"].pk).syndication_score
    assert "Cluster of near-copies" in page and "Truce takes hold in Westvale" in page and f"overlap {score:.0%}" in page
    changelist = reverse("admin:tracker_report_changelist")
    assert "Fragile calm" not in client.get(changelist, {"copy": "yes"}).content.decode()
    done = client.post(changelist, {"action": "detach_syndication", "_selected_action": [cluster["added"].pk]}, follow=True)
    assert "1 report(s) detached." in done.content.decode()
    detached = Report.objects.get(pk=cluster["added"].pk)
    assert (detached.syndicated_from, detached.syndication_decision) == (None, "detached")
    assert Report.history.filter(id=detached.pk).first().history_channel == "admin"


def test_sentence_keys_shared_by_too_many_reports_are_not_searched(cluster, settings):
    from tracker.services.syndication import candidate_keys

    follow_up = fingerprint(text(FOLLOW_UP))
    assert candidate_keys(follow_up) == (follow_up.text_keys(), follow_up.sentence_keys())
    # Every sentence key of the wire story is now held by more reports than allowed.
    settings.TRACKER_SYNDICATION_MAX_KEY_REPORTS = 0
    wire = fingerprint(cluster["wire"].body)
    assert candidate_keys(wire) == (wire.text_keys(), [])


def test_a_candidate_shares_a_text_band_or_three_phrase_keys(roles):
    """Two phrases in common ("idlib province", "russian jets") are a story's vocabulary, not a
    passage: a candidate shares as many phrases as `compare` needs to look at sentences."""
    from tracker.domain.syndication import MIN_COMMON_PHRASES
    from tracker.models import ReportBand
    from tracker.services.syndication import MIN_SENTENCE_KEY_HITS, candidates

    assert MIN_SENTENCE_KEY_HITS == MIN_COMMON_PHRASES == 3
    follow_up = fingerprint(text(FOLLOW_UP))
    two_sentence_keys, three_sentence_keys, one_text_key = ReportFactory.create_batch(3, body="")
    sentence_keys = follow_up.sentence_keys()
    ReportBand.objects.bulk_create(
        [
            *(ReportBand(report=two_sentence_keys, key=k) for k in sentence_keys[:2]),
            *(ReportBand(report=three_sentence_keys, key=k) for k in sentence_keys[:3]),
            ReportBand(report=one_text_key, key=follow_up.text_keys()[0]),
        ]
    )
    assert {r.pk for r in candidates(follow_up)} == {three_sentence_keys.pk, one_text_key.pk}
    assert {r.pk for r in candidates(follow_up, exclude=one_text_key.pk)} == {three_sentence_keys.pk}


def test_a_later_story_reusing_shortened_background_sentences_joins_the_cluster(cluster):
    wire_agency = SourceFactory(name="Northwire", kind="wire_agency")
    later = sources.report_create(
        data={"source": SourceFactory(name="The Westvale Courier", kind="newspaper"), "title": "Shelling breaks the lull",
              "body": text(LATER), "published_at": datetime(2021, 3, 12, 8, tzinfo=UTC)},
        user=None,
    )  # fmt: skip
    later.refresh_from_db()
    assert later.syndicated_from == cluster["wire"]
    assert later.syndication_shared_sentences == 2 and later.syndication_score < 0.1
    assert later.wire_source == wire_agency
    # Stories on the same events that share no passage stay apart.
    assert cluster["independent"].syndicated_from is None
    assert compare(fingerprint(cluster["independent"].body), fingerprint(later.body)).shared_sentences == 0


@pytest.mark.parametrize(
    ("body", "agency"),
    [
        ("By <u>Northwire</u>\n\nJanuary 12, 2020\n\nThe story.", "Northwire"),
        ("OLDBRIDGE (Northwire) - Guns fell silent on Sunday.", "Northwire"),
        ("Truce holds\n\nWestvale Courier / Northwire\n\nThe story.", "Northwire"),
        ("By Jane Smith and Omar Khaled\n\nThe story.", None),
        ("Smoke rises over the market of Oldbridge after a strike. (Northwire)\n\nThe story.", None),
        ("By Westvale Monitor\n\nThe story.", None),  # named, but not a wire agency
    ],
    ids=["byline in markup", "dateline", "credit line", "reporters", "photo caption", "not an agency"],
)
def test_a_byline_naming_a_wire_agency_sets_the_wire_source(roles, body, agency):
    SourceFactory(name="Northwire", kind="wire_agency")
    SourceFactory(name="Westvale Monitor", kind="monitoring_group")
    report = sources.report_create(data={"source": SourceFactory(kind="newspaper"), "title": "T", "body": body}, user=None)
    assert (report.wire_source.name if report.wire_source else None) == agency


def test_a_wire_source_given_by_the_writer_is_kept(roles):
    SourceFactory(name="Northwire", kind="wire_agency")
    other = SourceFactory(name="Southwire", kind="wire_agency")
    data = {"source": SourceFactory(kind="newspaper"), "title": "T", "body": "By Northwire\n\nThe story.", "wire_source": other}
    assert sources.report_create(data=data, user=None).wire_source == other
    data["wire_source"] = None
    assert sources.report_create(data={**data, "title": "U"}, user=None).wire_source is None


def test_detect_syndication_can_go_on_the_task_queue(cluster, settings):
    """Detection over every report grows with the corpus: queued, a worker runs it (here the
    immediate backend runs it at once; the dummy backend shows what was queued)."""
    from django_tasks import default_task_backend

    Report.objects.update(syndicated_from=None, syndication_score=None)
    out = io.StringIO()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    call_command("detect_syndication", "--queue", stdout=out)
    assert out.getvalue().startswith("queued: syndication detection over every report (task ")
    assert links()["Westvale truce begins"] is None  # not yet
    (queued,) = default_task_backend.results
    assert queued.task.name == "detect_syndication_everywhere" and queued.kwargs == {"keep_index": False}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("detect_syndication", "--queue", stdout=io.StringIO())
    assert links()["Westvale truce begins"] == "Truce takes hold in Westvale"
    linked = Report.objects.get(title="Westvale truce begins").history.first()
    assert (linked.history_channel, linked.history_change_reason) == ("command", "detect_syndication")
