"""`/api/v1/subscriptions/`: an account's own webhooks through the API — created with a secret
shown once, owner-scoped, validated as the incident list validates its filters, rotated, their
delivery log read and a delivery sent again (tracker/api/subscriptions.py)."""

import pytest

from tests.factories import DeliveryFactory, UserFactory
from tests.helpers import if_match
from tests.receivers import Answer, receiver
from tests.test_subscriptions import ALL_EVENTS, _incident, verified
from tracker.choices import DeliveryState
from tracker.models import Delivery, Subscription
from tracker.services import incidents, webhook_delivery

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers")]

URL = "/api/v1/subscriptions/"


def body(**overrides) -> dict:
    return {
        "name": "Idlib, 10 killed or more",
        "target_url": "https://hooks.example.org/tracker",
        "filter": "kind=airstrike&fatalities_min=10",
        "events": ["incident.created", "incident.withdrawn"],
        **overrides,
    }


def test_the_secret_is_in_the_creation_answer_only_and_the_owner_is_the_writer(client_for):
    client = client_for("curator")
    created = client.post(URL, body(), format="json")
    assert created.status_code == 201, created.content
    answer = created.json()
    assert answer["secret"].startswith("whsec_")
    assert (answer["owner"], answer["active"], answer["paused_reason"], answer["version"]) == ("curator", True, "", 1)
    again = client.get(f"{URL}{answer['id']}/").json()
    assert again["secret"] is None
    assert {k: again[k] for k in ("name", "target_url", "filter", "events")} == body()
    assert Subscription.objects.get().owner == client.user


def test_each_account_sees_and_changes_its_own_subscriptions_only(client_for):
    mine, theirs = client_for("curator"), client_for("reviewer")
    own = mine.post(URL, body(name="mine"), format="json").json()
    other = theirs.post(URL, body(name="theirs"), format="json").json()
    assert [s["name"] for s in mine.get(URL).json()["results"]] == ["mine"]
    subscription = Subscription.objects.get(pk=other["id"])
    for response in (
        mine.get(f"{URL}{other['id']}/"),
        mine.patch(f"{URL}{other['id']}/", {"active": False}, format="json", **if_match(subscription)),
        mine.delete(f"{URL}{other['id']}/", **if_match(subscription)),
        mine.post(f"{URL}{other['id']}/rotate-secret/", {}, format="json"),
        mine.get(f"{URL}{other['id']}/deliveries/"),
    ):
        assert response.status_code == 404, response.content
    assert Subscription.objects.get(pk=other["id"]).active
    assert mine.get(f"{URL}{own['id']}/").status_code == 200


def test_pausing_and_resuming_and_the_trash(client_for):
    client = client_for("curator")
    created = client.post(URL, body(), format="json").json()
    subscription = Subscription.objects.get(pk=created["id"])
    Subscription.objects.filter(pk=subscription.pk).update(active=False, paused_reason="The last 10 deliveries failed.")
    shown = client.get(f"{URL}?active=false").json()["results"]
    assert [(s["id"], s["paused_reason"]) for s in shown] == [(subscription.pk, "The last 10 deliveries failed.")]
    resumed = client.patch(f"{URL}{subscription.pk}/", {"active": True}, format="json", **if_match(subscription))
    assert (resumed.json()["active"], resumed.json()["paused_reason"]) == (True, "")
    assert client.delete(f"{URL}{subscription.pk}/", **if_match(subscription)).status_code == 204
    assert [s["id"] for s in client.get(f"{URL}trash/").json()["results"]] == [subscription.pk]
    assert client.get(URL).json()["results"] == []
    assert client.post(f"{URL}{subscription.pk}/restore/").status_code == 200
    assert [s["id"] for s in client.get(URL).json()["results"]] == [subscription.pk]


def test_the_delivery_log_shows_each_attempt_and_a_delivery_can_be_sent_again(client_for, run_tasks):
    client = client_for("reviewer")
    with receiver() as r:
        r.answers(Answer(status=500, body=b"upstream down"), Answer(status=204))
        created = client.post(URL, body(target_url=r.url, filter="", events=ALL_EVENTS), format="json").json()
        incident = run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=client.user))
        log = client.get(f"{URL}{created['id']}/deliveries/").json()["results"]
        assert [(d["event"], d["incident_id"], d["state"], d["attempts"], d["last_status"], d["last_response"]) for d in log] == [
            ("incident.created", incident.pk, "pending", 1, 500, "upstream down")
        ]
        assert log[0]["last_latency_ms"] is not None and "body" not in log[0]
        Delivery.objects.update(next_attempt_at=Delivery.objects.get().created_at)  # the retry is due
        webhook_delivery.deliver_due.call()
        delivery = client.get(f"{URL}{created['id']}/deliveries/{log[0]['id']}/").json()
        assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("delivered", 2, 204)
        assert delivery["body"].encode() == r.received[-1].body
        verified(r.received[-1].body, r.received[-1].headers, created["secret"])

        sent = run_tasks(lambda: client.post(f"{URL}{created['id']}/deliveries/{log[0]['id']}/redeliver/"))
        assert sent.status_code == 202, sent.content
        assert len(r.received) == 3
        assert r.received[-1].headers["webhook-id"] == r.received[-2].headers["webhook-id"] == log[0]["message_id"]
        assert Delivery.objects.get().attempts == 3
        assert client.get(f"{URL}{created['id']}/deliveries/?state=failed").json()["results"] == []
        assert (
            len(client.get(f"{URL}{created['id']}/deliveries/?event=incident.created&incident={incident.pk}").json()["results"])
            == 1
        )


def test_a_paused_subscription_is_resumed_before_a_redelivery(client_for):
    client = client_for("curator")
    created = client.post(URL, body(), format="json").json()
    Subscription.objects.filter(pk=created["id"]).update(active=False, paused_reason="The receiver answered 410 Gone.")
    delivery = DeliveryFactory(subscription_id=created["id"], state=DeliveryState.FAILED)
    answer = client.post(f"{URL}{created['id']}/deliveries/{delivery.pk}/redeliver/")
    assert (answer.status_code, answer.json()) == (
        409,
        {"detail": "The subscription is paused (The receiver answered 410 Gone.): resume it first."},
    )
    assert Delivery.objects.get().state == DeliveryState.FAILED


def test_rotating_the_secret_through_the_api(client_for, run_tasks):
    client = client_for("reviewer")
    with receiver() as r:
        created = client.post(URL, body(target_url=r.url, filter="", events=ALL_EVENTS), format="json").json()
        rotated = client.post(f"{URL}{created['id']}/rotate-secret/", {"overlap_hours": 2}, format="json")
        assert rotated.status_code == 200, rotated.content
        new = rotated.json()["secret"]
        assert new.startswith("whsec_") and new != created["secret"]
        run_tasks(lambda: incidents.INCIDENTS.create(data=_incident(), user=client.user))
        verified(r.received[0].body, r.received[0].headers, created["secret"])
        verified(r.received[0].body, r.received[0].headers, new)
    assert client.get(f"{URL}{created['id']}/").json()["secret"] is None


def test_an_account_holds_at_most_the_configured_number(client_for, settings):
    settings.TRACKER_WEBHOOK_MAX_SUBSCRIPTIONS = 2
    client = client_for("curator")
    for n in range(2):
        assert client.post(URL, body(name=f"s{n}"), format="json").status_code == 201
    refused = client.post(URL, body(name="third"), format="json")
    assert (refused.status_code, refused.json()) == (
        400,
        {"owner": ["At most 2 subscriptions per owner (TRACKER_WEBHOOK_MAX_SUBSCRIPTIONS)."]},
    )


KNOWN_DELIVERY_PARAMS = "count, created_after, cursor, event, format, incident, page, page_size, state"

BAD_BODIES = [
    # (body changes, field named, message)
    ({"filter": "kiind=airstrike"}, "filter", "kiind: Unknown query parameter. Known: "),
    ({"filter": "occurred_after=99999-01-01"}, "filter", "occurred_after: Enter an ISO 8601 date"),
    ({"filter": "occurred_after=2020-01-12T00:01:00"}, "filter", "occurred_after: Include a UTC offset"),
    ({"filter": "kind=napalm"}, "filter", "kind: Select a valid choice. napalm is not one of the available choices."),
    ({"filter": "place=999999"}, "filter", "place: No place with id '999999'."),
    ({"filter": "ordering=-occurred_at"}, "filter", "ordering: Unknown query parameter."),
    ({"filter": "fatalities_min=1e400"}, "filter", "fatalities_min: "),
    (
        {"events": []},
        "events",
        "At least one event type: incident.created, incident.changed, incident.withdrawn, assessment.changed.",
    ),
    ({"events": ["incident.deleted"]}, "events", '"incident.deleted" is not a valid choice.'),
    ({"events": "incident.created"}, "events", 'Expected a list of items but got type "str".'),
    ({"events": ["incident.created", "incident.created"]}, "events", "Each event type once."),
    ({"target_url": "ftp://hooks.example.org/x"}, "target_url", "The URL must use https or http."),
    ({"target_url": "https://"}, "target_url", "Enter a valid URL."),
    ({"target_url": "https://hooks.example.org:99999/x"}, "target_url", "The URL's port is not valid."),
    ({"target_url": "https://user:pw@hooks.example.org/x"}, "target_url", "credentials"),
    ({"target_url": "https://hooks.example.org:0/x"}, "target_url", "The URL's port is not valid."),
    (
        {"target_url": "https://hooks.example.org/" + "x" * 2000},
        "target_url",
        "Ensure this field has no more than 2000 characters.",
    ),
    ({"name": "x" * 201}, "name", "Ensure this field has no more than 200 characters."),
    ({"filter": "kind=airstrike&" * 200}, "filter", "Ensure this field has no more than 2000 characters."),
    ({"filter": "kind=\x00"}, "filter", "Null characters are not allowed."),
    ({"name": ""}, "name", "This field may not be blank."),
    ({"secret": "whsec_mine", "paused_reason": "x", "owner": "someone"}, None, None),  # read-only: ignored
    ({"colour": "red"}, "colour", "Unknown field."),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_BODIES)
def test_a_bad_subscription_is_a_400_naming_the_field(client_for, changes, field, message):
    client = client_for("curator")
    response = client.post(URL, body(**changes), format="json")
    if field is None:
        assert response.status_code == 201
        assert response.json()["owner"] == "curator" and response.json()["secret"] != "whsec_mine"
        return
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [field]
    assert message in str(errors[field]), errors
    assert not Subscription.all_objects.exists()


BAD_QUERIES = [
    ("deliveries/?state=lost", "state", "Select a valid choice. lost is not one of the available choices."),
    (
        "deliveries/?event=incident.deleted",
        "event",
        "Select a valid choice. incident.deleted is not one of the available choices.",
    ),
    ("deliveries/?incident=abc", "incident", "Enter a whole number."),
    ("deliveries/?incident=99999999999999999999", "incident", "Ensure this value is less than or equal to 9223372036854775807."),
    ("deliveries/?created_after=yesterday", "created_after", "Enter an ISO 8601 date"),
    ("deliveries/?created_after=99999-01-01", "created_after", "Enter an ISO 8601 date"),
    ("deliveries/?colour=red", "colour", f"Unknown query parameter. Known: {KNOWN_DELIVERY_PARAMS}."),
    ("deliveries/?page_size=0", "page_size", ""),
]


@pytest.mark.parametrize(("path", "field", "message"), BAD_QUERIES)
def test_a_bad_delivery_log_query_is_a_400_naming_the_parameter(client_for, path, field, message):
    client = client_for("curator")
    created = client.post(URL, body(), format="json").json()
    response = client.get(f"{URL}{created['id']}/{path}")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert message in " ".join(response.json()[field])


@pytest.mark.parametrize(
    ("sent", "field", "message"),
    [
        ({"overlap_hours": -1}, "overlap_hours", "Ensure this value is greater than or equal to 0."),
        ({"overlap_hours": 10**30}, "overlap_hours", "Ensure this value is less than or equal to 168."),
        ({"overlap_hours": "soon"}, "overlap_hours", "A valid integer is required."),
        ({"overlap": 1}, "overlap", "Unknown field."),
    ],
)
def test_a_bad_rotation_is_a_400_and_rotates_nothing(client_for, sent, field, message):
    client = client_for("curator")
    created = client.post(URL, body(), format="json").json()
    response = client.post(f"{URL}{created['id']}/rotate-secret/", sent, format="json")
    assert (response.status_code, response.json()) == (400, {field: [message]})
    assert Subscription.objects.get().secrets.count() == 1


def test_a_delivery_of_another_subscription_is_a_404(client_for):
    client = client_for("curator")
    mine = client.post(URL, body(name="a"), format="json").json()
    other = client.post(URL, body(name="b"), format="json").json()
    delivery = DeliveryFactory(subscription_id=other["id"])
    assert client.get(f"{URL}{mine['id']}/deliveries/{delivery.pk}/").status_code == 404
    assert client.post(f"{URL}{mine['id']}/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert client.get(f"{URL}{other['id']}/deliveries/{delivery.pk}/").status_code == 200


def test_subscriptions_are_never_served_from_the_shared_response_cache(client_for):
    first, second = client_for("curator"), UserFactory(username="second", roles=["curator"])
    first.post(URL, body(name="first's"), format="json")
    client = client_for("anonymous")
    client.force_authenticate(second)
    assert client.get(URL).json()["results"] == []
    assert "X-Cache" not in client.get(URL)
