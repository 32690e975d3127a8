"""The admin never loses a curator's work: stale forms are refused, every save is in the
history with its reason, a past version can be restored, deletes go to the trash."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import admin_form_data
from tracker.models import Citation, Incident, Place, TrashedIncident, TrashedPlace
from tracker.services import incidents

pytestmark = pytest.mark.django_db


def url(model, view: str, *args) -> str:
    return reverse(f"admin:tracker_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def curator(client, roles, idlib):
    client.force_login(UserFactory(username="curator", roles=["curator"]))
    return client


@pytest.fixture
def reviewer(roles):
    return UserFactory(username="reviewer", roles=["reviewer"])


@pytest.fixture
def incident(idlib):
    return Incident.objects.get(title__startswith="Artillery shelling")


def test_a_stale_form_is_refused_with_a_link_to_the_newer_version_and_overwrites_nothing(curator, reviewer, incident):
    opened = curator.get(url(Incident, "change", incident.pk))
    data = admin_form_data(opened)
    assert data["based_on_version"] == "1"
    # Meanwhile a reviewer edits the same incident.
    incidents.incident_update(incident=incident, data={"killed_high": 9}, user=reviewer)
    data["title"] = "Curator's retitling"
    page = curator.post(url(Incident, "change", incident.pk), data)
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        "This incident was changed by reviewer after you opened it (it is now at version 2; your form was opened at version 1). Nothing was saved."
        in html
    )
    assert f'<a href="{url(Incident, "change", incident.pk)}" target="_blank">Open the newer version</a>' in html
    assert f'href="{url(Incident, "history", incident.pk)}"' in html
    # The curator's typing is still in the form; the database has the reviewer's write only.
    assert 'value="Curator&#x27;s retitling"' in html
    current = Incident.objects.get(pk=incident.pk)
    assert (current.title, current.killed_high, current.version) == (incident.title, 9, 2)


def test_a_fresh_form_saves_with_its_reason_through_the_admin_channel(curator, incident):
    data = admin_form_data(curator.get(url(Incident, "change", incident.pk)))
    data.update(title="Artillery shelling of Ma'arrat Misrin", change_reason="Spelling as in the SOHR report.")
    assert curator.post(url(Incident, "change", incident.pk), data).status_code == 302
    entry = Incident.history.filter(id=incident.pk).first()
    assert (entry.title, entry.version, entry.history_user.username, entry.history_channel, entry.history_change_reason) == (
        "Artillery shelling of Ma'arrat Misrin",
        2,
        "curator",
        "admin",
        "Spelling as in the SOHR report.",
    )
    # Exactly one new row for the incident (after the fixture's); its unchanged citations got none.
    assert Incident.history.filter(id=incident.pk).count() == 2
    assert set(Citation.history.filter(incident_id=incident.pk).values_list("history_channel", flat=True)) == {"import"}


def test_history_page_shows_diffs_and_a_past_version_can_be_restored(curator, reviewer, incident):
    original = incident.killed_high
    incidents.incident_update(incident=incident, data={"killed_high": 40}, user=reviewer)
    page = curator.get(url(Incident, "history", incident.pk)).content.decode()
    assert re.search(rf"<strong>Killed high:</strong>\s*{original}\s*&nbsp;&rarr;&nbsp;&nbsp;40", page)
    assert "reviewer" in page and "Loaded from idlib_2020.json" in page
    first = Incident.history.filter(id=incident.pk).order_by("history_id").first()
    revert_url = reverse("admin:tracker_incident_simple_history", args=[incident.pk, first.history_id])
    form = curator.get(revert_url)
    data = admin_form_data(form)
    # The form shows the past version's values, and the version it will replace.
    assert (data.get("killed_high"), data["based_on_version"]) == (None if original is None else str(original), "2")
    data["change_reason"] = "The 40 was a typo."
    assert curator.post(revert_url, data).status_code == 302
    current = Incident.objects.get(pk=incident.pk)
    assert (current.killed_high, current.version) == (original, 3)
    assert Incident.history.filter(id=incident.pk).first().history_change_reason == "The 40 was a typo."


def test_admin_delete_goes_to_the_trash_and_the_trash_restores(curator, incident):
    response = curator.post(url(Incident, "delete", incident.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Incident.objects.filter(pk=incident.pk).exists()
    trash = curator.get(url(TrashedIncident, "changelist")).content.decode()
    assert incident.title in trash
    assert "Purge selected" not in trash  # reviewers only
    restored = curator.post(
        url(TrashedIncident, "changelist"), {"action": "restore", "_selected_action": [incident.pk]}, follow=True
    )
    assert "1 record(s) restored." in restored.content.decode()
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert Incident.history.filter(id=incident.pk).first().history_user.username == "curator"


def test_reviewers_purge_from_the_trash(client, reviewer, idlib):
    client.force_login(reviewer)
    place = Place.objects.create(name="Nowhere", kind="village", country_code="SY")
    from tracker.services.common import delete

    delete(place, user=reviewer)
    page = client.get(url(TrashedPlace, "changelist")).content.decode()
    assert "Purge selected" in page and "Nowhere" in page
    done = client.post(url(TrashedPlace, "changelist"), {"action": "purge", "_selected_action": [place.pk]}, follow=True)
    assert "1 record(s) purged." in done.content.decode()
    assert not Place.all_objects.filter(pk=place.pk).exists()
