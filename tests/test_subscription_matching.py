"""A subscription matches exactly the incidents its owner would read in the incident list with
its filter: the dispatch's matching (all subscriptions in one query, tracker/webhooks/matching.py)
against the list endpoint itself, over random filters, owners and incidents."""

import urllib.parse

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tracker.choices import IncidentKind, IncidentStatus, Verdict
from tracker.models import Ceasefire, Incident, Party, Place, Subscription
from tracker.webhooks import matching

pytestmark = pytest.mark.django_db

WORDS = ["strike", "market", "Maaret", "school", "shelling"]


def _filter(draw) -> str:
    """A random incident-list query string built from the fixture's own ids."""
    terms = []
    places = sorted(Place.objects.values_list("pk", flat=True))
    parties = sorted(Party.objects.values_list("pk", flat=True))
    ceasefires = sorted(Ceasefire.objects.values_list("pk", flat=True))
    for name in draw(
        st.sets(
            st.sampled_from(
                ["kind", "status", "place", "perpetrator", "after", "before", "killed", "q", "country", "verdict", "bbox"]
            ),
            max_size=4,
        )
    ):
        if name == "kind":
            terms += [("kind", k) for k in draw(st.sets(st.sampled_from(IncidentKind.values), min_size=1, max_size=3))]
        elif name == "status":
            terms += [("status", s) for s in draw(st.sets(st.sampled_from(IncidentStatus.values), min_size=1, max_size=3))]
        elif name == "place":
            terms.append(("place", draw(st.sampled_from(places))))
        elif name == "perpetrator":
            terms.append(("perpetrator", draw(st.sampled_from(parties))))
        elif name == "after":
            terms.append(("occurred_after", draw(st.sampled_from(["2020-01-01", "2020-01-12T00:00:00+03:00", "2020-03-05"]))))
        elif name == "before":
            terms.append(("occurred_before", draw(st.sampled_from(["2020-01-12", "2020-03-06T12:00:00Z", "2021-01-01"]))))
        elif name == "killed":
            terms.append(("fatalities_min", draw(st.integers(0, 15))))
        elif name == "q":
            terms.append(("q", draw(st.sampled_from(WORDS))))
        elif name == "country":
            terms.append(("country", draw(st.sampled_from(["SY", "TR"]))))
        elif name == "verdict":
            terms += [("ceasefire", draw(st.sampled_from(ceasefires))), ("verdict", draw(st.sampled_from(Verdict.values)))]
        elif name == "bbox":
            terms.append(("bbox", draw(st.sampled_from(["36.4,35.5,36.9,35.9", "35.0,34.0,38.0,37.0", "36.6,35.6,36.7,35.7"]))))
    return urllib.parse.urlencode(terms)


@st.composite
def filters(draw):
    drawn = [(_filter(draw), draw(st.booleans())) for _ in range(draw(st.integers(1, 6)))]
    # The same filter again, for an owner of the same visibility class (answered together) or
    # of the other (answered apart).
    again = draw(st.lists(st.sampled_from([*drawn, *((text, not sees_all) for text, sees_all in drawn)]), max_size=4))
    return drawn + again


@pytest.fixture
def owners(assessed, roles):
    return {True: UserFactory(username="reviewer", roles=["reviewer"]), False: UserFactory(username="outsider", is_staff=False)}


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=filters())
def test_matching_equals_reading_the_list(owners, drawn):
    Subscription.all_objects.all().delete()
    subscriptions = [
        Subscription.objects.create(
            owner=owners[sees_all], name=f"s{i}", target_url="https://example.org/in", filter=text, events=["incident.changed"]
        )
        for i, (text, sees_all) in enumerate(drawn)
    ]
    incidents = list(Incident.objects.all())
    found = matching.matches(subscriptions, incidents)
    for subscription in subscriptions:
        client = APIClient()
        client.force_authenticate(subscription.owner)
        response = client.get(f"/api/v1/incidents/?{subscription.filter}&page_size=1000")
        assert response.status_code == 200, response.content
        listed = {row["id"] for row in response.json()["results"]}
        assert found.get(subscription.pk, set()) == listed, subscription.filter
