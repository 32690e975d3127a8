"""The tracker's vocabularies as Django choices, and the sets of terms its rules name.

The terms themselves — values, labels and what each vocabulary classifies — live in the codebook,
`tracker/codebook.toml`, the one home the models' fields, the filters, the API's enums and the
codebook's readers all draw on. `Verdict.VIOLATION`, `PartyRole.choices` and the rest behave
exactly as TextChoices classes declared here would.

Values are snake_case and part of the public API contract: never rename a value, only add.
"""

import tomllib
from pathlib import Path

from django.db import models

CODEBOOK: dict[str, dict] = tomllib.loads(Path(__file__).with_name("codebook.toml").read_text(encoding="utf-8"))


def vocabulary(name: str) -> type[models.TextChoices]:
    """The codebook's vocabulary `name` as TextChoices: a member per term, its docstring the `about`."""
    entry = CODEBOOK[name]
    members = [(member, (term[0], term[1])) for member, term in entry["terms"].items()]
    choices = models.TextChoices(name, members, module=__name__, qualname=name)
    choices.__doc__ = entry["about"]
    return choices


PartyKind = vocabulary("PartyKind")
PlaceKind = vocabulary("PlaceKind")
CeasefireType = vocabulary("CeasefireType")
CeasefirePurpose = vocabulary("CeasefirePurpose")
PartyRole = vocabulary("PartyRole")
CommitmentBasis = vocabulary("CommitmentBasis")
CeasefireStatusKind = vocabulary("CeasefireStatusKind")
Initiator = vocabulary("Initiator")
SourceKind = vocabulary("SourceKind")
Reliability = vocabulary("Reliability")
IncidentKind = vocabulary("IncidentKind")
TimePrecision = vocabulary("TimePrecision")
GeoPrecision = vocabulary("GeoPrecision")
Attribution = vocabulary("Attribution")
IncidentStatus = vocabulary("IncidentStatus")
Confidence = vocabulary("Confidence")
ClaimantBasis = vocabulary("ClaimantBasis")
Stance = vocabulary("Stance")
Verdict = vocabulary("Verdict")
Reason = vocabulary("Reason")
SyndicationDecision = vocabulary("SyndicationDecision")
DeliveryState = vocabulary("DeliveryState")


BINDING_ROLES = frozenset({PartyRole.SIGNATORY, PartyRole.BOUND})

ENDING_STATUSES = frozenset({CeasefireStatusKind.COLLAPSED, CeasefireStatusKind.REPLACED, CeasefireStatusKind.EXPIRED})

# Statuses only a reviewer may set.
REVIEWER_STATUSES = frozenset({IncidentStatus.VERIFIED, IncidentStatus.DISPUTED, IncidentStatus.REJECTED})

FAILING_REASONS = frozenset(
    {
        Reason.BEFORE_START,
        Reason.AFTER_END,
        Reason.AFTER_COLLAPSE,
        Reason.OUTSIDE_ZONE,
        Reason.PERPETRATOR_NOT_BOUND,
        Reason.ACT_NOT_BARRED,
        Reason.TARGET_EXEMPT,
        Reason.DISCOUNTED,
    }
)
NOTE_REASONS = frozenset({Reason.RESPONSE, Reason.RESPONDS_TO_VIOLATION, Reason.BY_ORIGIN})
