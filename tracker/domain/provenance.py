"""Who claims an incident, independently, and how well that establishes it.

Conflict reporting is mostly re-reporting: one monitor's figure quoted by a wire and run by five
outlets is one claim, not six. So each citation is reduced to its **claimant** — the source the
report attributes the claim to, else the agency whose story the report carries, else the report's
own source — after collapsing a syndicated copy to the original report of its cluster. The
independent claimants of an incident are its distinct claimants.

The suggested confidence follows the grading conflict monitors use (Airwars' meaning of each
grade), in this order:

- **contested**: competing attributions — claims name perpetrators of different parties (units
  of one party, such as the Syrian Arab Army and the Syrian Arab Air Force, are one party),
  including a denial that names someone else. A denial alone is *not* enough: it would hand
  the accused a veto. It is said in the reason, and the grade goes on;
- **confirmed**: the responsible party itself concedes it (a claim in the voice of a source
  affiliated with the party named as perpetrator);
- **fair**: two or more independent voices report it. A voice is a claimant that speaks for
  no party; claimants aligned with one side (an activist network working with it) are one
  voice between them, that side's; claimants graded D or E for reliability (not usually
  reliable, unreliable) are no voice;
- **weak**: anything less (one voice, or only party voices or unreliable claimants);
- **unassessed**: no live citation yet.

`discounted` is never suggested: it is a curator's judgement about the claims themselves.

This module is pure: it takes claims as plain data (tracker.services.provenance loads them).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tracker.choices import Confidence, Stance

FIGURES = ("killed", "civilians_killed", "children_killed", "injured")


# Reliability grades (Admiralty scale) whose claimant is no voice towards `fair`.
UNRELIABLE = frozenset({"D", "E"})


@dataclass(frozen=True)
class Claimant:
    id: int
    name: str
    affiliated_party_id: int | None
    aligned_party_id: int | None = None  # a side it works with without speaking for it
    reliability: str = "F"

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
    for claim in claims:
        # A denial that names another perpetrator is a competing attribution too.
        if claim.named_perpetrator_id is not None and claim.stance != Stance.DISPUTES:
            named.setdefault(root(claim.named_perpetrator_id), []).append(claim.claimant)
    if len(named) > 1:
        sides = "; ".join(f"{party_name(party)} ({_names(who)})" for party, who in sorted(named.items()))
        return Grade(Confidence.CONTESTED, f"Claimants name different perpetrators: {sides}.", count, True)

    responsible = set(named) | ({root(perpetrator_id)} if perpetrator_id is not None else set())
    against = [c for c in claims if c.stance in (Stance.DENIES, Stance.DISPUTES)]
    denial = ""
    if against:
        own_voice = [c for c in against if c.claimant.party_affiliated and root(c.claimant.affiliated_party_id) in responsible]
        who = _names(c.claimant for c in (own_voice or against))
        denial = (
            f" The party named as perpetrator denies it ({who}): a denial alone does not contest it."
            if own_voice
            else f" Disputed or denied by {who}, naming no other perpetrator."
        )

    conceding = [c for c in reporting if c.claimant.party_affiliated and root(c.claimant.affiliated_party_id) in responsible]
    if conceding:
        return Grade(
            Confidence.CONFIRMED,
            f"The responsible party concedes it: {_names(c.claimant for c in conceding)}.{denial}",
            count,
            False,
        )

    voices: dict[object, list[Claimant]] = {}
    unreliable = []
    for claim in reporting:
        claimant = claim.claimant
        if claimant.party_affiliated:
            continue
        if claimant.reliability in UNRELIABLE:
            unreliable.append(claimant)
            continue
        key = ("side", root(claimant.aligned_party_id)) if claimant.aligned_party_id is not None else claimant.id
        voices.setdefault(key, []).append(claimant)
    if len(voices) >= 2:
        return Grade(
            Confidence.FAIR,
            f"{len(voices)} independent voices agree: {'; '.join(sorted(_names(v) for v in voices.values()))}.{denial}",
            count,
            False,
        )
    party_voices = [c for c in claimants.values() if c.party_affiliated]
    if voices:
        (only,) = voices.values()
        reason = f"Only one independent voice: {_names(only)}"
        reason += " (aligned with one side)." if any(c.aligned_party_id for c in only) and len(only) > 1 else "."
    else:
        reason = "No independent non-party claimant."
    if unreliable:
        reason += f" Not counted as unreliable (D/E): {_names(unreliable)}."
    if party_voices:
        reason += f" Party-affiliated: {_names(party_voices)}."
    return Grade(Confidence.WEAK, reason + denial, count, False)


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
