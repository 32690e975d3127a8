"""The compliance series read from the stored ledger equals the series evaluated afresh, over
random incidents and edits, on every basis, for short and long series, for the public and for
curators (tracker/selectors/compliance.py, tracker/services/compliance_ledger.py)."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tracker.choices import IncidentKind, IncidentStatus, TimePrecision, Verdict
from tracker.models import Assessment, Ceasefire, ComplianceLedger, ComplianceShare, Incident, Party, Place
from tracker.models.visibility import PUBLIC_STATUSES
from tracker.selectors.compliance import Basis, compliance, evaluated
from tracker.services import assessments, common, compliance_ledger, incidents
from tracker.services.compliance_ledger import bases

pytestmark = pytest.mark.django_db

STARTS = [datetime(2020, 1, 11, 21, 1, tzinfo=UTC), datetime(2020, 3, 5, 21, 1, tzinfo=UTC)]


def close(a, b, path="") -> None:
    """Equal, numbers to within the series' rounding (sums taken in another order)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{path}: {sorted(set(a) ^ set(b))}"
        for key in a:
            close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            close(x, y, f"{path}[{i}]")
    elif isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        assert abs(a - b) <= 2e-4, f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def by_party(answer: dict) -> dict:
    """Perpetrators keyed by party: equal totals may sort either way."""
    return {**answer, "by_perpetrator": {(row["party"] or {}).get("id"): row for row in answer["by_perpetrator"]}}


def same_answers() -> None:
    for ceasefire in Ceasefire.objects.select_related("compliance_ledger"):
        assert hasattr(ceasefire, "compliance_ledger")
        for basis in bases(ceasefire):
            for days in (1, 3, 20):
                for statuses in (None, sorted(PUBLIC_STATUSES)):
                    stored = compliance(ceasefire, days=days, basis=basis, statuses=statuses)
                    fresh = evaluated(ceasefire, days=days, basis=basis, statuses=statuses)
                    close(by_party(stored), by_party(fresh), f"{ceasefire.pk}/{basis.label}/{days}/{statuses}")


incident_data = st.fixed_dictionaries(
    {
        "start": st.sampled_from(STARTS),
        "offset_minutes": st.integers(-30 * 1440, 30 * 1440),
        "precision": st.sampled_from(TimePrecision.values),
        "length_hours": st.integers(1, 400),
        "place": st.integers(0, 100),
        "perpetrator": st.integers(-1, 100),
        "kind": st.sampled_from(IncidentKind.values),
        "status": st.sampled_from([s for s in IncidentStatus.values if s != IncidentStatus.REJECTED]),
        "killed": st.one_of(st.none(), st.tuples(st.integers(0, 20), st.integers(0, 20))),
    }
)
edits = st.lists(
    st.tuples(st.sampled_from(["move", "status", "perpetrator", "trash", "purge", "override", "reject"]), st.integers(0, 100)),
    max_size=4,
)


def _fields(data, places, parties) -> dict:
    occurred_at = data["start"] + timedelta(minutes=data["offset_minutes"])
    fields = {
        "title": "random",
        "kind": data["kind"],
        "occurred_at": occurred_at,
        "time_precision": data["precision"],
        "occurred_until": occurred_at + timedelta(hours=data["length_hours"])
        if data["precision"] == TimePrecision.INTERVAL
        else None,
        "place": places[data["place"] % len(places)],
        "geo_precision": "town",
        "perpetrator": None if data["perpetrator"] < 0 else parties[data["perpetrator"] % len(parties)],
        "status": data["status"],
        "attribution": "unknown" if data["perpetrator"] < 0 else "alleged",
    }
    if data["killed"] is not None:
        low, high = sorted(data["killed"])
        fields |= {"killed_low": low, "killed_high": high}
    return fields


@pytest.fixture
def built(assessed):
    assert ComplianceLedger.objects.count() == Ceasefire.objects.count()
    assert ComplianceShare.objects.exists()


def test_the_fixtures_ledger_gives_the_evaluated_series(built):
    same_answers()


# No shrinking: each example loads and evaluates the whole fixture; a failure prints its example.
@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(new=st.lists(incident_data, min_size=1, max_size=5), changes=edits)
def test_after_random_incidents_and_edits_the_ledger_gives_the_evaluated_series(built, new, changes):
    places = list(Place.objects.order_by("pk"))
    parties = list(Party.objects.order_by("pk"))
    with transaction.atomic():
        created = [incidents.INCIDENTS.create(data=_fields(data, places, parties), user=None) for data in new]
        for action, n in changes:
            incident = Incident.all_objects.filter(pk=created[n % len(created)].pk).first() if action != "override" else None
            if action != "override" and incident is None:
                continue  # purged
            if incident is None:
                assessment = Assessment.objects.order_by("pk")[n % Assessment.objects.count()]
                verdict = Verdict.values[n % 3]
                assessments.assessment_override(assessment=assessment, verdict=verdict, reason="checked", user=None)
            elif action == "purge":
                if incident.deleted_at is None:
                    incidents.INCIDENTS.delete_instance(incident, user=None)
                common.purge(Incident.all_objects.get(pk=incident.pk), user=None)
            elif incident.deleted_at is not None:
                continue  # in the trash: nothing more to edit
            elif action == "trash":
                incidents.INCIDENTS.delete_instance(incident, user=None)
            else:
                data = {
                    "move": {
                        "occurred_at": incident.occurred_at + timedelta(hours=n * 7 - 300),
                        "occurred_until": incident.occurred_until and incident.occurred_until + timedelta(hours=n * 7 - 300),
                    },
                    "status": {"status": IncidentStatus.values[n % 3]},  # draft, in review, verified
                    "perpetrator": {"perpetrator": parties[n % len(parties)], "attribution": "alleged"},
                    "reject": {"status": IncidentStatus.REJECTED},
                }[action]
                incidents.INCIDENTS.update_instance(incident, data=data, user=None)
        # A purged incident's shares went with it (they are not cascaded: the refresh removes them).
        connection.check_constraints(table_names=[ComplianceShare._meta.db_table])
        same_answers()
        transaction.set_rollback(True)


def test_a_changed_declaration_rebuilds_its_basis_with_the_ceasefires_verdicts(built):
    january = Ceasefire.objects.get(starts_at=STARTS[0])
    declaration = january.declarations.filter(claimed_start__isnull=False).order_by("pk").first()
    declaration.claimed_start -= timedelta(days=2)
    declaration.save()
    assessments.assess_ceasefire(january)
    basis = Basis(declaration.claimed_start, declaration)
    assert compliance(january, days=5, basis=basis) == evaluated(january, days=5, basis=basis)


def test_an_unbuilt_ledger_is_never_read(idlib):
    """A ceasefire whose ledger was never built (loaded by loaddata) is evaluated afresh."""
    january = Ceasefire.objects.get(starts_at=STARTS[0])
    assert not ComplianceLedger.objects.exists()
    body = compliance(january, days=3, basis=Basis(january.starts_at))
    assert body["totals"]["before"] > 0


def _shell_the_march_zone(occurred_at: datetime, precision: str, days: int) -> tuple[dict, dict, dict]:
    """The March ceasefire's series over `days` before an incident of this precision is added
    where its verdicts are counted, and after: (before, evaluated after, read from the ledger
    after). Run inside a transaction the caller rolls back."""
    march = Ceasefire.objects.get(starts_at=STARTS[1])
    counted_there = Assessment.objects.filter(ceasefire=march, place_overlap=1).select_related("incident").first().incident
    basis = Basis(march.starts_at)
    before = evaluated(march, days=days, basis=basis)
    incidents.INCIDENTS.create(
        data={
            "title": "Shelling",
            "kind": IncidentKind.ARTILLERY_SHELLING,
            "occurred_at": occurred_at,
            "time_precision": precision,
            "place": counted_there.place,
            "geo_precision": counted_there.geo_precision,
            "status": IncidentStatus.VERIFIED,
            "attribution": "unknown",
        },
        user=None,
    )
    return before, evaluated(march, days=days, basis=basis), compliance(march, days=days, basis=basis)


def test_a_month_dated_after_the_series_counts_on_the_days_its_month_covers(built):
    """A month-precision incident dated 20 March covers local 1–31 March: a series of the March
    ceasefire's two days (4 and 5 March, Damascus) counts 1/31 of it on each. Scans by date must
    reach past the series' end to find it (WINDOW_REACH)."""
    with transaction.atomic():
        before, fresh, stored = _shell_the_march_zone(datetime(2020, 3, 20, 10, tzinfo=UTC), TimePrecision.MONTH, days=1)
        total = sum(day["total"] for day in fresh["series"]) - sum(day["total"] for day in before["series"])
        assert abs(total - 2 / 31) < 2e-4  # each day rounded to 4 places
        close(by_party(stored), by_party(fresh))
        transaction.set_rollback(True)


def test_the_day_summer_time_begins_counts_its_23_hours(built):
    """Damascus moved to summer time on 27 March 2020: a week-precision incident of 25–31 March
    local (167 hours) counts 23/167 on the 27th and 24/167 on the days around it — evaluated
    and read from the ledger alike."""
    with transaction.atomic():
        before, fresh, stored = _shell_the_march_zone(datetime(2020, 3, 25, 10, tzinfo=UTC), TimePrecision.WEEK, days=30)
        was = {day["date"]: day["total"] for day in before["series"]}
        added = {
            day["date"]: round(day["total"] - was[day["date"]], 4) for day in fresh["series"] if day["total"] != was[day["date"]]
        }
        assert added == {f"2020-03-{d}": round((23 if d == 27 else 24) / 167, 4) for d in range(25, 32)}
        close(by_party(stored), by_party(fresh))
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_two_writers_summing_one_day_at_once_leave_its_tallies_whole(assessed):
    """Each write deletes the tallies of the days it touches and sums them again; a second
    writer on the same day must wait for the first's commit, or its sums double the day."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to test")
    january = Ceasefire.objects.get(starts_at=STARTS[0])
    shares = ComplianceShare.objects.filter(ceasefire=january, declaration=None)
    day = shares.values("day").annotate(n=Count("incident_id", distinct=True)).filter(n__gte=2).order_by("day")[0]["day"]
    first_id, second_id = shares.filter(day=day).order_by("incident_id").values_list("incident_id", flat=True).distinct()[:2]
    first_holds = threading.Event()

    def write(incident_id: int, *, hold: bool) -> None:
        try:
            if not hold:
                first_holds.wait(10)
            with transaction.atomic():
                compliance_ledger.refresh_incidents([incident_id])
                if hold:
                    first_holds.set()
                    time.sleep(1.5)  # the second writer sums the day meanwhile, or waits
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(pk,), kwargs={"hold": pk == first_id}) for pk in (first_id, second_id)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    days = abs((day - january.starts_at.date()).days) + 1
    for basis in bases(january):  # the first basis a writer sums is the one it waits on
        close(
            by_party(compliance(january, days=days, basis=basis)),
            by_party(evaluated(january, days=days, basis=basis)),
            basis.label,
        )
