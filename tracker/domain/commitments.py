"""Each party's own commitment to a ceasefire: whom a ceasefire binds, and from when to when.

The rules (docs/VERDICTS.md states them with their reasons):

- **Who is bound.** Signatories and bound parties; a guarantor, mediator or observer undertakes
  nothing by that role. In a unilateral ceasefire, only the declarer (its signatory) and the
  parties it commits (`committed_by` a signatory) are bound: a unilateral declaration cannot
  oblige the other side.
- **From when.** A curated start on the role (`CeasefireParty.starts_at`) is the commitment's
  start. Without one, the committing party's — the role's `committed_by` (a patron declaring
  for its ally), else the party itself — start: the curated start of its own role, else its
  declared start (its declarations' claimed starts, the latest of them when they disagree: a
  party is not held to a commitment before its own latest statement of it), else the agreed
  start (`Ceasefire.starts_at`).
- **Until when.** The role's end, else the committing party's (its role's end, else its
  earliest declared end), else the ceasefire's end; never after the ceasefire's end, nor after
  the first ending step of its lifecycle (collapsed, replaced, expired).
- **What.** The kinds of act the role's undertaking bars (empty: every hostile act) and the
  area it covers (empty: the ceasefire's zone).

Input is a ceasefire with `party_roles`, `declarations` and `lifecycle` loaded (prefetched):
nothing here queries.
"""

from dataclasses import dataclass
from datetime import datetime

from tracker.choices import BINDING_ROLES, ENDING_STATUSES, CeasefireType, CommitmentBasis, PartyRole


@dataclass(frozen=True)
class Commitment:
    """One bound party's commitment: the role's party, its interval, where the start comes from,
    and what it undertook (kinds of act barred, empty: all; the area, None: the whole zone)."""

    party_id: int
    starts_at: datetime
    ends_at: datetime | None
    basis: str
    barred_kinds: frozenset[str] = frozenset()
    area_id: int | None = None

    def bars(self, kind: str) -> bool:
        return not self.barred_kinds or kind in self.barred_kinds


def lifecycle_end(ceasefire) -> tuple[datetime, str] | None:
    """The first ending step of the ceasefire's lifecycle (instant, status), if any."""
    ending = [(step.effective_at, step.status) for step in ceasefire.lifecycle.all() if step.status in ENDING_STATUSES]
    return min(ending) if ending else None


def effective_end(ceasefire) -> datetime | None:
    """The ceasefire's end for the verdicts: its curated end or its lifecycle's first ending
    step, whichever comes first."""
    ended = lifecycle_end(ceasefire)
    ends = [t for t in (ceasefire.ends_at, ended[0] if ended else None) if t is not None]
    return min(ends) if ends else None


def binds(role, ceasefire, signatories: frozenset[int]) -> bool:
    """Whether the role binds its party (see the module's rules)."""
    if role.role not in BINDING_ROLES:
        return False
    if ceasefire.ceasefire_type != CeasefireType.UNILATERAL:
        return True
    return role.role == PartyRole.SIGNATORY or role.committed_by_id in signatories


def commitments(ceasefire) -> dict[int, Commitment]:
    """The commitment of every party the ceasefire binds, by that party's id."""
    roles = {role.party_id: role for role in ceasefire.party_roles.all()}
    signatories = frozenset(pk for pk, role in roles.items() if role.role == PartyRole.SIGNATORY)
    declared_starts: dict[int, list[datetime]] = {}
    declared_ends: dict[int, list[datetime]] = {}
    for declaration in ceasefire.declarations.all():
        if declaration.claimed_start is not None:
            declared_starts.setdefault(declaration.party_id, []).append(declaration.claimed_start)
        if declaration.claimed_end is not None:
            declared_ends.setdefault(declaration.party_id, []).append(declaration.claimed_end)

    def start_of(party_id: int) -> tuple[datetime, str]:
        role = roles.get(party_id)
        if role is not None and role.starts_at is not None:
            return role.starts_at, CommitmentBasis.ROLE
        if party_id in declared_starts:
            return max(declared_starts[party_id]), CommitmentBasis.DECLARATION
        return ceasefire.starts_at, CommitmentBasis.AGREED

    def end_of(party_id: int) -> datetime | None:
        role = roles.get(party_id)
        if role is not None and role.ends_at is not None:
            return role.ends_at
        return min(declared_ends[party_id]) if party_id in declared_ends else None

    found = {}
    ceasefire_end = effective_end(ceasefire)
    for party_id, role in roles.items():
        if not binds(role, ceasefire, signatories):
            continue
        committer = role.committed_by_id or party_id
        start, basis = (role.starts_at, CommitmentBasis.ROLE) if role.starts_at is not None else start_of(committer)
        end = role.ends_at or end_of(committer)
        if ceasefire_end is not None and (end is None or end > ceasefire_end):
            end = ceasefire_end
        if end is not None and end <= start:
            # Declared to end before it starts (or the ceasefire ended first): never in force.
            end = start
        found[party_id] = Commitment(
            party_id=party_id,
            starts_at=start,
            ends_at=end,
            basis=str(basis),
            barred_kinds=frozenset(role.barred_kinds or ()),
            area_id=role.area_id,
        )
    return found
