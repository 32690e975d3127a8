"""Subscriptions end to end against a real local receiver: a curator's write records events,
the dispatch matches them to subscriptions after the commit, deliveries arrive signed, in
order, as the owner may see them — and are retried, given up on and paused as README
"Subscriptions" says (tracker/services/outbox.py, tracker/webhooks/, tracker/services/webhook_delivery.py)."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import IncidentFactory, UserFactory
from tests.receivers import Answer, receiver
from tracker.choices import DeliveryState, IncidentKind, IncidentStatus
from tracker.models import Delivery, Incident, IncidentEvent, Subscription
from tracker.services import common, incidents, subscriptions, webhook_delivery
from tracker.services.subscriptions import SUBSCRIPTIONS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers")]

ALL_EVENTS = ["incident.created", "incident.changed", "incident.withdrawn", "assessment.changed"]


@pytest.fixture
def curator(roles):
    return UserFactory(username="curator", roles=["curator", "reviewer"])


@pytest.fixture
def public_reader(roles):
    return UserFactory(username="outsider", is_staff=False)


def verified(body: bytes, headers: dict, secret: str) -> dict:
    """What a receiver does (README): check one of the signatures, then read the body."""
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(
        hmac.new(base64.b64decode(secret.removeprefix("whsec_")), signed, hashlib.sha256).digest()
    ).decode()
    assert f"v1,{expected}" in headers["webhook-signature"].split(" ")
    return json.loads(body)


def subscribe(owner, url, *, filter="", events=ALL_EVENTS) -> Subscription:
    return SUBSCRIPTIONS.create(
        data={"name": "follow", "target_url": url, "filter": filter, "events": events, "owner": owner}, user=owner
    )


def delivered(r, secret) -> list[tuple[str, int, bool]]:
    bodies = [verified(x.body, x.headers, secret) for x in r.received]
    return [(b["type"], b["data"]["incident_id"], b["data"]["in_filter"]) for b in bodies]


def test_each_event_type_arrives_signed_in_order(curator, run_tasks):
    with receiver() as r:
        subscription = subscribe(curator, r.url, filter="kind=airstrike")
        incident = run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
        run_tasks(lambda: incidents.INCIDENTS.update_instance(incident, data={"killed_low": 3}, user=curator))
        run_tasks(lambda: incidents.INCIDENTS.delete_instance(Incident.objects.get(pk=incident.pk), user=curator))
    assert delivered(r, subscription.issued_secret) == [
        ("incident.created", incident.pk, True),
        ("incident.changed", incident.pk, True),
        ("incident.withdrawn", incident.pk, False),
    ]
    bodies = [json.loads(x.body) for x in r.received]
    sequences = [b["data"]["sequence"] for b in bodies]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert bodies[1]["data"]["incident"]["killed_low"] == 3
    assert bodies[2]["data"]["incident"] is None
    assert len({x.headers["webhook-id"] for x in r.received}) == 3


def test_an_incident_outside_the_filter_is_not_delivered_and_one_leaving_it_is_told_once(curator, run_tasks):
    with receiver() as r:
        subscription = subscribe(curator, r.url, filter="kind=airstrike")
        shelling = run_tasks(
            lambda: incidents.INCIDENTS.create(data=_incident(kind=IncidentKind.ARTILLERY_SHELLING), user=curator)
        )
        strike = run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
        run_tasks(lambda: incidents.INCIDENTS.update_instance(strike, data={"kind": IncidentKind.ROCKET_ATTACK}, user=curator))
        run_tasks(
            lambda: incidents.INCIDENTS.update_instance(Incident.objects.get(pk=strike.pk), data={"killed_low": 1}, user=curator)
        )
    assert shelling.pk not in [pk for _, pk, _ in delivered(r, subscription.issued_secret)]
    assert delivered(r, subscription.issued_secret) == [
        ("incident.created", strike.pk, True),
        ("incident.changed", strike.pk, False),  # out of the filter: told once, then nothing
    ]


def test_an_unpublished_incident_never_reaches_a_public_subscriber_and_its_withdrawal_does(public_reader, curator, run_tasks):
    with receiver() as r:
        subscription = subscribe(public_reader, r.url)
        draft = run_tasks(
            lambda: incidents.INCIDENTS.create(data=_incident(status=IncidentStatus.DRAFT, title="secret draft"), user=curator)
        )
        assert r.received == []
        run_tasks(lambda: incidents.INCIDENTS.update_instance(draft, data={"status": IncidentStatus.VERIFIED}, user=curator))
        run_tasks(
            lambda: incidents.INCIDENTS.update_instance(
                Incident.objects.get(pk=draft.pk),
                data={"status": IncidentStatus.IN_REVIEW, "title": "still secret"},
                user=curator,
            )
        )
    assert delivered(r, subscription.issued_secret) == [
        ("incident.changed", draft.pk, True),  # published: now in its view
        ("incident.withdrawn", draft.pk, False),  # unpublished: left its view
    ]
    assert b"still secret" not in r.received[1].body  # its id only, once unpublished


def test_a_trashed_then_purged_incident_is_withdrawn_once(curator, run_tasks, roles):
    """Only the trash's records are purged: the withdrawal went with the move to the trash."""
    reviewer = UserFactory(username="reviewer", roles=["reviewer"])
    with receiver() as r:
        subscription = subscribe(curator, r.url, events=["incident.created", "incident.withdrawn"])
        incident = run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
        run_tasks(lambda: incidents.INCIDENTS.delete_instance(Incident.objects.get(pk=incident.pk), user=curator))
        run_tasks(lambda: common.purge(Incident.all_objects.get(pk=incident.pk), user=reviewer))
    assert not Incident.all_objects.filter(pk=incident.pk).exists()
    assert delivered(r, subscription.issued_secret) == [
        ("incident.created", incident.pk, True),
        ("incident.withdrawn", incident.pk, False),
    ]


def test_a_rotated_secret_signs_beside_the_new_one_until_the_overlap_ends(curator, run_tasks):
    with receiver() as r:
        subscription = subscribe(curator, r.url)
        old = subscription.issued_secret
        new = subscriptions.rotate_secret(subscription=subscription, user=curator, overlap=timedelta(hours=1)).secret
        run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
        assert len(r.received[0].headers["webhook-signature"].split(" ")) == 2
        verified(r.received[0].body, r.received[0].headers, old)
        verified(r.received[0].body, r.received[0].headers, new)
        assert webhook_delivery.secrets_in_force(subscription.pk, timezone.now() + timedelta(hours=2)) == [new]


def test_a_failing_receiver_is_retried_with_backoff_until_it_recovers(curator, run_tasks):
    with receiver() as r:
        r.answers(Answer(status=503), Answer(status=429, headers={"Retry-After": "90"}), Answer(status=200))
        subscribe(curator, r.url)
        run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
        delivery = Delivery.objects.get()
        assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.PENDING, 1, 503)
        wait = delivery.next_attempt_at - delivery.last_attempt_at
        assert timedelta(seconds=4) <= wait <= timedelta(seconds=6)  # the first retry: 5 s ± 20 %
        Delivery.objects.update(next_attempt_at=timezone.now())  # time passes
        webhook_delivery.deliver_due.call()
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.last_status) == (2, 429)
        assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(seconds=90)  # its Retry-After
        Delivery.objects.update(next_attempt_at=timezone.now())
        webhook_delivery.deliver_due.call()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.DELIVERED, 3, 200)
    assert len({x.headers["webhook-id"] for x in r.received}) == 1  # the same message each time


def test_a_delivery_is_given_up_after_a_day(curator, run_tasks):
    with receiver() as r:
        r.answers(Answer(status=500))
        subscribe(curator, r.url)
        run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
        # The next wait (1 minute ± 20 %) would end past the day since the event.
        Delivery.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=-30), next_attempt_at=timezone.now())
        webhook_delivery.deliver_due.call()
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.next_attempt_at) == (DeliveryState.FAILED, None)


def test_a_subscription_that_keeps_failing_is_paused_with_its_reason(curator, run_tasks):
    with receiver() as r:
        r.answers(Answer(status=404, body=b"no such hook"))
        subscription = subscribe(curator, r.url)
        for _ in range(webhook_delivery.PAUSE_AFTER):
            run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.paused_reason == f"The last {webhook_delivery.PAUSE_AFTER} deliveries failed (the last: HTTP 404)."
    assert Delivery.objects.first().last_response == "no such hook"
    # Paused: nothing more is recorded for it, nor sent.
    with receiver() as again:
        Subscription.objects.filter(pk=subscription.pk).update(target_url=again.url)
        run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
    assert again.received == []


def test_a_gone_receiver_pauses_its_subscription_at_once(curator, run_tasks):
    with receiver() as r:
        r.answers(Answer(status=410))
        subscription = subscribe(curator, r.url)
        run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
    subscription.refresh_from_db()
    assert (subscription.active, subscription.paused_reason) == (
        False,
        "The receiver answered 410 Gone: it wants no more deliveries.",
    )


def test_a_filter_that_no_longer_reads_pauses_its_subscription_with_why(curator, run_tasks):
    """Valid when written; then the source it names was deleted. Matching nothing in silence
    would leave its owner waiting for deliveries that never come."""
    from tests.factories import SourceFactory
    from tracker.services.sources import SOURCES

    source = SourceFactory()
    with receiver() as r:
        broken = subscribe(curator, r.url, filter=f"source={source.pk}")
        working = subscribe(curator, r.url, filter="kind=airstrike")
        source_id = source.pk
        SOURCES.delete_instance(source, user=curator)
        run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
    broken.refresh_from_db()
    assert (broken.active, broken.paused_reason) == (
        False,
        f"Its filter no longer reads (source: No source with id '{source_id}'.): correct it, then resume.",
    )
    assert [x.headers["webhook-id"] for x in r.received] == list(
        Delivery.objects.filter(subscription=working).values_list("message_id", flat=True)
    )
    assert len(r.received) == 1


def test_a_refused_target_fails_the_delivery_and_pauses(curator, run_tasks, settings):
    with receiver() as r:
        subscription = subscribe(curator, r.url)
        settings.TRACKER_WEBHOOK_ALLOW_PRIVATE = False
        run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
    assert r.received == []
    subscription.refresh_from_db()
    assert subscription.paused_reason.startswith(
        "Its URL was refused: The host '127.0.0.1' resolves to 127.0.0.1, a loopback address"
    )
    assert Delivery.objects.get().state == DeliveryState.FAILED


def test_redelivery_by_hand_sends_the_same_message_again(curator, run_tasks):
    with receiver() as r:
        subscribe(curator, r.url)
        run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
        run_tasks(lambda: webhook_delivery.redeliver(Delivery.objects.get()))
    assert len(r.received) == 2 and r.received[0].body == r.received[1].body
    assert r.received[0].headers["webhook-id"] == r.received[1].headers["webhook-id"]


def test_nothing_is_recorded_while_no_subscription_is_active(curator, run_tasks):
    run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
    assert not IncidentEvent.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"filter": "kinds=airstrike"}, "filter", "kinds: Unknown query parameter."),
        ({"filter": "kind=balloon"}, "filter", "kind: Select a valid choice. balloon is not one of the available choices."),
        ({"filter": "ordering=-occurred_at"}, "filter", "ordering: Unknown query parameter."),
        ({"events": ["incident.exploded"]}, "events", "Unknown event type 'incident.exploded'"),
        ({"events": []}, "events", "A non-empty list of event types"),
        ({"target_url": "ftp://example.org/in"}, "target_url", "The URL must use https or http."),
        ({"target_url": "https://u:p@example.org/in"}, "target_url", "The URL must not carry credentials."),
    ],
)
def test_bad_subscriptions_are_refused_naming_the_field(curator, data, field, message):
    with pytest.raises(ValidationError) as refused:
        SUBSCRIPTIONS.create(
            data={"name": "x", "target_url": "https://example.org/in", "events": ALL_EVENTS, "owner": curator, **data},
            user=curator,
        )
    assert field in refused.value.message_dict
    assert any(text.startswith(message) for text in refused.value.message_dict[field]), refused.value.message_dict


def test_an_owner_may_hold_a_limited_number_of_subscriptions(curator, settings):
    settings.TRACKER_WEBHOOK_MAX_SUBSCRIPTIONS = 2
    for _ in range(2):
        subscribe(curator, "https://example.org/in")
    with pytest.raises(ValidationError, match="At most 2 subscriptions per owner"):
        subscribe(curator, "https://example.org/in")


def _incident(**fields) -> dict:
    place = IncidentFactory.build().place
    place.save()
    return {
        "title": "strike",
        "kind": IncidentKind.AIRSTRIKE,
        "occurred_at": timezone.now() - timedelta(days=1),
        "time_precision": "hour",
        "place": place,
        "geo_precision": "town",
        "status": IncidentStatus.VERIFIED,
        **fields,
    }


def _readme_verify():
    """The receiver's `verify` exactly as README "Subscriptions (webhooks)" prints it."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### Subscriptions (webhooks)", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len([line for line in code.splitlines() if line.strip()]) <= 12  # "a 10-line example", with its import
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # our own README's example
    return namespace["verify"]


def test_the_readme_receiver_verifies_a_real_delivery_and_refuses_a_forged_one(curator, run_tasks):
    verify = _readme_verify()
    with receiver() as r:
        subscription = subscribe(curator, r.url)
        incident = run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=curator))
        rotated = subscriptions.rotate_secret(subscription=subscription, user=curator).secret
        run_tasks(lambda: incidents.INCIDENTS.update_instance(incident, data={"killed_low": 4}, user=curator))
    first, second = r.received
    assert verify(subscription.issued_secret, first.headers, first.body)["type"] == "incident.created"
    assert verify(rotated, second.headers, second.body)["data"]["incident"]["killed_low"] == 4  # either secret
    assert (
        verify(subscription.issued_secret, second.headers, second.body)["data"]["sequence"]
        > json.loads(first.body)["data"]["sequence"]
    )
    for secret, headers, body in [
        (subscription.issued_secret, first.headers, first.body.replace(b'"incident.created"', b'"incident.changed"')),
        (rotated, first.headers, first.body),  # the new secret did not sign what was sent before it
        (subscription.issued_secret, {**first.headers, "webhook-id": "msg_other"}, first.body),
        (
            subscription.issued_secret,
            {**first.headers, "webhook-timestamp": str(int(first.headers["webhook-timestamp"]) - 3600)},
            first.body,
        ),
    ]:
        with pytest.raises(ValueError):
            verify(secret, headers, body)


def test_a_verdict_that_changes_is_an_assessment_changed_event(assessed, curator, run_tasks):
    """A reviewer's override, and a ceasefire edit that moves computed verdicts: each incident
    whose verdict changed is told once, with the verdicts as the API now serves them."""
    from tracker.models import Assessment, Ceasefire
    from tracker.services import assessments, ceasefires

    ceasefire = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    assessment = Assessment.objects.filter(ceasefire=ceasefire, incident__status=IncidentStatus.VERIFIED).order_by("pk").first()
    new = "not_violation" if assessment.verdict != "not_violation" else "violation"
    with receiver() as r:
        subscription = subscribe(curator, r.url, events=["assessment.changed"])
        run_tasks(
            lambda: assessments.assessment_override(assessment=assessment, verdict=new, reason="Checked on site.", user=curator)
        )
        told = [verified(x.body, x.headers, subscription.issued_secret) for x in r.received]
        assert [(b["type"], b["data"]["incident_id"]) for b in told] == [("assessment.changed", assessment.incident_id)]
        served = {a["ceasefire"]["id"]: a["effective_verdict"] for a in told[0]["data"]["incident"]["assessments"]}
        assert served[ceasefire.pk] == new

        before = dict(Assessment.objects.filter(ceasefire=ceasefire).values_list("incident_id", "verdict"))
        later = {"ends_at": ceasefire.starts_at + timedelta(days=2)}  # the March incidents now after its end
        run_tasks(lambda: ceasefires.ceasefire_update(ceasefire=ceasefire, data=later, user=curator))
        after = dict(Assessment.objects.filter(ceasefire=ceasefire).values_list("incident_id", "verdict"))
    # A verdict changed, or went: the incident is no longer assessed against the ceasefire.
    moved = {pk for pk in before.keys() | after.keys() if before.get(pk) != after.get(pk)} - {assessment.incident_id}
    visible = set(Incident.objects.filter(pk__in=moved).values_list("pk", flat=True))
    assert visible, "the edit moves some verdicts"
    told = [verified(x.body, x.headers, subscription.issued_secret) for x in r.received[1:]]
    assert {b["data"]["incident_id"] for b in told} == visible
    assert {b["type"] for b in told} == {"assessment.changed"}


def test_the_log_forgets_finished_deliveries_and_dispatched_events_after_its_days(curator, settings):
    from tests.factories import DeliveryFactory, SubscriptionFactory
    from tracker.webhooks import worker

    settings.TRACKER_WEBHOOK_LOG_DAYS = 30
    old, recent = timezone.now() - timedelta(days=31), timezone.now() - timedelta(days=29)
    subscription = SubscriptionFactory(owner=curator)
    kept = [
        DeliveryFactory(subscription=subscription, created_at=old, state=DeliveryState.PENDING),  # still to send
        DeliveryFactory(subscription=subscription, created_at=recent, state=DeliveryState.DELIVERED),
    ]
    for state in (DeliveryState.DELIVERED, DeliveryState.FAILED):
        DeliveryFactory(subscription=subscription, created_at=old, state=state)
    IncidentEvent.objects.create(incident_id=1, kind="changed", created_at=old, dispatched_at=old)
    waiting = IncidentEvent.objects.create(incident_id=2, kind="changed", created_at=old)
    worker.run_webhooks.call()
    assert sorted(Delivery.objects.values_list("pk", flat=True)) == sorted(d.pk for d in kept)
    assert list(IncidentEvent.objects.values_list("pk", flat=True)) == [waiting.pk]  # dispatched by this run: kept
    worker.run_webhooks.call()  # within the hour: not pruned again (no scan of the log per run)
    DeliveryFactory(subscription=subscription, created_at=old, state=DeliveryState.FAILED)
    worker.run_webhooks.call()
    assert Delivery.objects.count() == 3
