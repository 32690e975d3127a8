"""Subscriptions in the admin (tracker/admin/subscriptions.py): each staff account manages its
own, sees the secret once, is told on its admin home when the tracker paused one, reads the
delivery log and sends a delivery again."""

import pytest
from django.urls import reverse

from tests.factories import DeliveryFactory, SubscriptionFactory, UserFactory
from tests.receivers import receiver
from tracker.choices import DeliveryState
from tracker.models import Delivery, Subscription

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers")]

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def curator(client, roles):
    client.user = UserFactory(username="curator", roles=["curator"])
    client.force_login(client.user)
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:tracker_{model._meta.model_name}_{view}", args=args)


def form(**changes) -> dict:
    return {
        "name": "Idlib feed",
        "target_url": "https://hooks.example.org/x",
        "filter": "kind=airstrike",
        "events": ["incident.created", "incident.withdrawn"],
        "active": "on",
        **changes,
    }


def test_adding_one_shows_its_secret_once_and_makes_the_writer_its_owner(curator):
    response = curator.post(url(Subscription, "add"), form(), follow=True)
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    secret = subscription.secrets.get().secret
    page = response.content.decode()
    assert f"shown this once — copy it to the receiver now: {secret}" in page
    assert (subscription.owner.username, subscription.events, subscription.filter) == (
        "curator",
        ["incident.created", "incident.withdrawn"],
        "kind=airstrike",
    )
    assert subscription.history.get().history_user.username == "curator"
    assert secret not in curator.get(url(Subscription, "change", subscription.pk)).content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"filter": "kiind=airstrike"}, "kiind: Unknown query parameter."),
        ({"filter": "occurred_after=99999-01-01"}, "occurred_after: Enter an ISO 8601 date"),
        ({"target_url": "https://u:p@hooks.example.org/"}, "The URL must not carry credentials."),
        ({"events": []}, "This field is required."),
    ],
)
def test_a_bad_subscription_is_a_form_error(curator, changes, message):
    response = curator.post(url(Subscription, "add"), form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Subscription.all_objects.exists()


def test_staff_see_their_own_subscriptions_and_administrators_everyones(curator, client):
    mine = SubscriptionFactory(owner=curator.user, name="mine")
    theirs = SubscriptionFactory(owner=UserFactory(username="other"), name="theirs")
    DeliveryFactory(subscription=theirs)
    page = curator.get(url(Subscription, "changelist")).content.decode()
    assert "mine" in page and "theirs" not in page
    assert curator.get(url(Subscription, "change", theirs.pk)).status_code == 302  # "does not exist"
    assert curator.get(url(Subscription, "change", mine.pk)).status_code == 200
    assert "0 deliveries" in curator.get(url(Delivery, "changelist")).content.decode()
    client.force_login(UserFactory(username="admin", is_superuser=True))
    page = client.get(url(Subscription, "changelist")).content.decode()
    assert "mine" in page and "theirs" in page


def test_the_owner_is_told_on_the_admin_home_when_the_tracker_paused_one(curator):
    SubscriptionFactory(owner=curator.user, name=HOSTILE, active=False, paused_reason=f"The receiver at {HOSTILE} answered 410.")
    SubscriptionFactory(owner=curator.user, name="paused by hand", active=False)
    SubscriptionFactory(owner=UserFactory(username="other"), name="not mine", active=False, paused_reason="Gone.")
    page = curator.get(reverse("admin:index")).content.decode()
    assert "Your subscriptions paused by the tracker (1)" in page
    assert "The receiver at &lt;img src=x onerror=&quot;alert(1)&quot;&gt; answered 410." in page
    assert HOSTILE not in page and "paused by hand" not in page and "not mine" not in page


def test_the_delivery_log_and_redelivery_by_hand(curator, django_capture_on_commit_callbacks):
    with receiver() as r:
        subscription = SubscriptionFactory(owner=curator.user, target_url=r.url)
        delivery = DeliveryFactory(subscription=subscription, state=DeliveryState.FAILED, last_status=500, last_response=HOSTILE)
        page = curator.get(url(Delivery, "change", delivery.pk)).content.decode()
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page and HOSTILE not in page
        with django_capture_on_commit_callbacks(execute=True):
            response = curator.post(
                url(Delivery, "changelist"), {"action": "redeliver", "_selected_action": [delivery.pk]}, follow=True
            )
        assert "1 deliveries will be sent again." in response.content.decode()
        assert [x.headers["webhook-id"] for x in r.received] == [delivery.message_id]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status) == (DeliveryState.DELIVERED, 204)
