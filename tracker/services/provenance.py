"""Keeping each incident's provenance (claimants, conflicts, suggested confidence) in step with
the records it is derived from. See tracker.domain.provenance for the rules.

`refresh` runs at the end of every service operation that writes an incident, a citation, a
report (its source or syndication link), a source (its party affiliation) or a party (its place
in a hierarchy) — a rule of tracker.services.derived, given `incidents_concerned` by each
write — so no path (API, admin inline, trash, restore, revert, import) can leave a stale grade
behind, and an import row's five writes of one incident regrade it once.
"""

import operator
from collections.abc import Iterable
from functools import reduce

from django.db.models import Q
from django.utils import timezone

from tracker import bulk_insert
from tracker.choices import ClaimantBasis
from tracker.domain.provenance import FIGURES, Claim, Claimant, Grade, grade
from tracker.history import bulk_defaults
from tracker.models import Citation, Incident, IncidentProvenance, Party, Report, Source
from tracker.models.hierarchy import subtree_of

# What a claim needs, in one query with its citation.
CLAIM_RELATED = (
    "claimant",
    "report__source",
    "report__wire_source",
    "report__syndicated_from__source",
    "report__syndicated_from__wire_source",
)


class Parties:
    """Party names and hierarchy roots, loaded once per computation (parties are few)."""

    def __init__(self):
        rows = list(Party.objects.values_list("id", "parent_id", "name"))
        self.parent = {pk: parent for pk, parent, _ in rows}
        self.names = {pk: name for pk, _, name in rows}

    def root(self, pk: int) -> int:
        seen = set()
        while self.parent.get(pk) is not None and pk not in seen:
            seen.add(pk)
            pk = self.parent[pk]
        return pk

    def name(self, pk: int) -> str:
        return self.names.get(pk, f"party {pk}")


def claimant_of(citation: Citation) -> tuple[Source, str, Report | None]:
    """The claimant of a citation, why, and the original report it was collapsed to (if the
    citation's report is a syndicated copy)."""
    report = citation.report
    original = report.syndicated_from if report.syndicated_from_id is not None else None
    if citation.claimant_id is not None:
        return citation.claimant, ClaimantBasis.ATTRIBUTED, original
    carrier = original or report
    if carrier.wire_source_id is not None:
        return carrier.wire_source, ClaimantBasis.WIRE, original
    return carrier.source, ClaimantBasis.REPORT, original


def claim_of(citation: Citation) -> Claim:
    source, basis, original = claimant_of(citation)
    return Claim(
        citation_id=citation.pk,
        report_id=citation.report_id,
        original_report_id=original.pk if original else None,
        claimant=Claimant(source.pk, source.name, source.affiliated_party_id, source.aligned_party_id, source.reliability),
        basis=basis,
        named_perpetrator_id=citation.named_perpetrator_id,
        stance=citation.stance,
        figures={f: (getattr(citation, f"{f}_low"), getattr(citation, f"{f}_high")) for f in FIGURES},
    )


def grade_of(incident: Incident, claims: list[Claim], parties: Parties) -> Grade:
    return grade(claims, perpetrator_id=incident.perpetrator_id, root=parties.root, party_name=parties.name)


def refresh(incident_ids: Iterable[int]) -> int:
    """Recompute and store the provenance of these incidents (trashed ones keep theirs, like
    their verdicts, for a restore). Returns how many rows changed."""
    ids = set(incident_ids)
    if not ids:
        return 0
    parties = Parties()
    claims: dict[int, list[Claim]] = {pk: [] for pk in ids}
    for citation in Citation.objects.filter(incident_id__in=ids).select_related(*CLAIM_RELATED).order_by("id"):
        claims[citation.incident_id].append(claim_of(citation))
    existing = {p.incident_id: p for p in IncidentProvenance.objects.filter(incident_id__in=ids)}
    changed, new, updated = 0, [], []
    now = timezone.now()
    for incident in Incident.objects.filter(pk__in=ids).only("id", "perpetrator_id"):
        values = _stored(grade_of(incident, claims[incident.pk], parties))
        row = existing.get(incident.pk)
        if row is not None and all(getattr(row, k) == v for k, v in values.items()):
            continue
        if row is None:  # read above, in this transaction: no second lookup
            new.append(IncidentProvenance(incident_id=incident.pk, **values))
        else:
            IncidentProvenance.objects.filter(pk=row.pk).update(**values, computed_at=now)
            for name, value in {**values, "computed_at": now}.items():
                setattr(row, name, value)
            updated.append(row)
        changed += 1
    # A bulk load's thousands at once; each changed grade with a history row (`as_of` reads them).
    bulk_insert.create(IncidentProvenance, new)
    if updated:
        IncidentProvenance.history.bulk_history_create(updated, update=True, default_date=now, **bulk_defaults())
    return changed


def _stored(result: Grade) -> dict:
    return {
        "suggested_confidence": result.suggested_confidence,
        "reason": result.reason,
        "independent_claimants": result.independent_claimants,
        "contested": result.contested,
    }


def store_new(incidents: list[Incident], citations: list[Citation]) -> None:
    """The provenance of incidents just created with these citations (a bulk import's batch),
    graded from the records in memory — each citation holding its report and the report its
    source, as written — instead of reading them back: the rows `refresh` would store."""
    parties = Parties()
    claims: dict[int, list[Claim]] = {incident.pk: [] for incident in incidents}
    for citation in sorted(citations, key=lambda c: c.pk):
        claims[citation.incident_id].append(claim_of(citation))
    rows = [IncidentProvenance(incident_id=i.pk, **_stored(grade_of(i, claims[i.pk], parties))) for i in incidents]
    bulk_insert.create(IncidentProvenance, rows)


def refresh_all() -> int:
    """Recompute every incident's provenance (after a bulk load)."""
    return refresh_all_of(list(Incident.all_objects.order_by("pk").values_list("pk", flat=True)))


def fill_missing(**kwargs) -> None:
    """After `migrate`: incidents without provenance (loaded before it existed, or in bulk) get it."""
    missing = Incident.all_objects.filter(provenance__isnull=True).values_list("pk", flat=True)
    refresh_all_of(list(missing))


def refresh_all_of(ids: Iterable[int], chunk_size: int = 2000) -> int:
    changed, batch = 0, []
    for pk in ids:
        batch.append(pk)
        if len(batch) == chunk_size:
            changed += refresh(batch)
            batch = []
    return changed + refresh(batch)


# After a write (tracker.services.derived): which incidents it can change the provenance of.


def incidents_concerned(record, *, created: bool) -> Iterable[int]:
    """The ids of the incidents whose provenance a write of `record` can change."""
    if isinstance(record, Incident):
        return [record.pk]
    if isinstance(record, Citation):
        return [record.incident_id]
    if created:
        return []  # nothing cites a new report or names a new source or party yet
    if isinstance(record, Report):
        # Citations of the report, and of its copies (which collapse to it).
        cited = Citation.all_objects.filter(Q(report=record) | Q(report__syndicated_from=record))
        return cited.values_list("incident_id", flat=True).distinct()
    if isinstance(record, Source):
        # Every way a claim can have a source (the claim's related records, CLAIM_RELATED).
        cited = Citation.all_objects.filter(_any_of(CLAIM_RELATED, record))
        return cited.values_list("incident_id", flat=True).distinct()
    if isinstance(record, Party):
        # A new parent moves the whole subtree to another side: the perpetrator, the party a
        # claim names, and the party any of a claim's sources is affiliated with.
        subtree = subtree_of(Party, record.pk)
        affiliations = [f"citations__{path}__affiliated_party_id__in" for path in CLAIM_RELATED]
        incidents = Incident.all_objects.filter(
            _any_of(["perpetrator_id__in", "citations__named_perpetrator_id__in", *affiliations], subtree)
        )
        return incidents.values_list("pk", flat=True).distinct()
    return []


def _any_of(lookups: Iterable[str], value) -> Q:
    """Rows where any of these lookups matches `value`."""
    return reduce(operator.or_, (Q(**{lookup: value}) for lookup in lookups))
