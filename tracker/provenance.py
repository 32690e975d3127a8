"""Who claims an incident, independently, and how well that establishes it.

Conflict reporting is mostly re-reporting: one monitor's figure quoted by a wire and run by five
outlets is one claim, not six. So each citation is reduced to its **claimant** — the source the
report attributes the claim to, else the agency whose story the report carries, else the report's
own source — after collapsing a syndicated copy to the original report of its cluster. The
independent claimants of an incident are its distinct claimants.

The suggested confidence follows the grading conflict monitors use, in this order:

- **contested**: claimants name perpetrators of different parties (units of one party, such as
  the Syrian Arab Army and the Syrian Arab Air Force, are one party), or a claim denies or
  disputes the incident (typically the named party's own voice denying it);
- **confirmed**: the responsible party itself concedes it (a claim in the voice of a source
  affiliated with the party named as perpetrator);
- **fair**: two or more independent claimants that speak for no party report it;
- **weak**: anything less (one claimant, or one non-party claimant and party voices);
- **unassessed**: no live citation yet.

`discounted` is never suggested: it is a curator's judgement about the claims themselves.

This module is pure: it takes claims as plain data (tracker.services.provenance loads them).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tracker.choices import Confidence, Stance

FIGURES = ("killed", "civilians_killed", "children_killed", "injured")


@dataclass(frozen=True)
class Claimant:
    id: int
    name: str
    affiliated_party_id: int | None

    @property
    def party_affiliated(self) -> bool:
        return self.affiliated_party_id is not None


@dataclass(frozen=True)
class Claim:
    """One citation reduced to who claims what."""

    citation_id: int
    report_id: int
    original_report_id: int | None  # the original of the report's cluster, when it is a copy
    claimant: Claimant
    basis: str  # tracker.choices.ClaimantBasis
    named_perpetrator_id: int | None
    stance: str
    figures: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)  # figure -> (low, high)


@dataclass(frozen=True)
class Grade:
    suggested_confidence: str
    reason: str
    independent_claimants: int
    contested: bool


def _names(claimants: Iterable[Claimant]) -> str:
    return ", ".join(sorted({c.name for c in claimants}))


def grade(
    claims: list[Claim], *, perpetrator_id: int | None, root: Callable[[int], int], party_name: Callable[[int], str]
) -> Grade:
    """The suggested confidence of an incident from its claims, and why. `root` maps a party to
    the top of its hierarchy (the party its units belong to)."""
    claimants = {c.claimant.id: c.claimant for c in claims}
    count = len(claimants)
    if not claims:
        return Grade(Confidence.UNASSESSED, "No claims cited yet.", 0, False)

    reporting = [c for c in claims if c.stance == Stance.REPORTS]
    named: dict[int, list[Claimant]] = {}
    for claim in reporting:
        if claim.named_perpetrator_id is not None:
            named.setdefault(root(claim.named_perpetrator_id), []).append(claim.claimant)
    if len(named) > 1:
        sides = "; ".join(f"{party_name(party)} ({_names(who)})" for party, who in sorted(named.items()))
        return Grade(Confidence.CONTESTED, f"Claimants name different perpetrators: {sides}.", count, True)

    responsible = set(named) | ({root(perpetrator_id)} if perpetrator_id is not None else set())
    against = [c for c in claims if c.stance in (Stance.DENIES, Stance.DISPUTES)]
    if against:
        own_voice = [c for c in against if c.claimant.party_affiliated and root(c.claimant.affiliated_party_id) in responsible]
        if own_voice:
            reason = f"The party named as perpetrator denies it: {_names(c.claimant for c in own_voice)}."
        else:
            reason = f"Disputed or denied by {_names(c.claimant for c in against)}."
        return Grade(Confidence.CONTESTED, reason, count, True)

    conceding = [c for c in reporting if c.claimant.party_affiliated and root(c.claimant.affiliated_party_id) in responsible]
    if conceding:
        return Grade(
            Confidence.CONFIRMED, f"The responsible party concedes it: {_names(c.claimant for c in conceding)}.", count, False
        )

    independent = {c.claimant.id: c.claimant for c in reporting if not c.claimant.party_affiliated}
    if len(independent) >= 2:
        return Grade(
            Confidence.FAIR,
            f"{len(independent)} independent non-party claimants agree: {_names(independent.values())}.",
            count,
            False,
        )
    party_voices = [c for c in claimants.values() if c.party_affiliated]
    reason = (
        f"Only one independent non-party claimant: {_names(independent.values())}."
        if independent
        else ("No independent non-party claimant.")
    )
    if party_voices:
        reason += f" Party-affiliated: {_names(party_voices)}."
    return Grade(Confidence.WEAK, reason, count, False)


@dataclass(frozen=True)
class Range:
    """The consensus range of one figure: the lowest low and the highest high any claim gives,
    with the claims (citation ids) that give each end. `open_ended`: the highest figure is an
    "at least" (a low with no high). `low` is None when claims give only upper bounds."""

    low: int | None
    low_claims: tuple[int, ...]
    high: int
    high_claims: tuple[int, ...]
    open_ended: bool


def consensus(claims: list[Claim]) -> dict[str, Range]:
    """Per figure, from the claims that report or dispute the incident (a denial gives none)."""
    ranges = {}
    for figure in FIGURES:
        given = [
            (c.citation_id, *c.figures[figure])
            for c in claims
            if c.stance != Stance.DENIES and figure in c.figures and c.figures[figure] != (None, None)
        ]
        if not given:
            continue
        lows = [(cid, lo) for cid, lo, _ in given if lo is not None]
        low = min((lo for _, lo in lows), default=None)
        # A claim's top is its high, or its low when it gives only "at least" that many.
        tops = [(cid, hi if hi is not None else lo, hi is None) for cid, lo, hi in given]
        high = max(top for _, top, _ in tops)
        ranges[figure] = Range(
            low=low,
            low_claims=tuple(sorted(cid for cid, lo in lows if lo == low)),
            high=high,
            high_claims=tuple(sorted(cid for cid, top, _ in tops if top == high)),
            open_ended=any(open_ for _, top, open_ in tops if top == high),
        )
    return ranges
