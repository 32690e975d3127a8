"""Enumerations shared by models, the API and the admin.

Values are snake_case and part of the public API contract: never rename a value, only add.
"""

from django.db import models


class PartyKind(models.TextChoices):
    STATE = "state", "State"
    GOVERNMENT = "government", "Government"
    ARMED_FORCES = "armed_forces", "Armed forces"
    ARMED_GROUP = "armed_group", "Armed group"
    COALITION = "coalition", "Coalition"
    MILITIA = "militia", "Militia"
    INTERNATIONAL_BODY = "international_body", "International body"
    OTHER = "other", "Other"


class PlaceKind(models.TextChoices):
    COUNTRY = "country", "Country"
    GOVERNORATE = "governorate", "Governorate / province"
    DISTRICT = "district", "District"
    SUBDISTRICT = "subdistrict", "Sub-district"
    CITY = "city", "City"
    TOWN = "town", "Town"
    VILLAGE = "village", "Village"
    NEIGHBOURHOOD = "neighbourhood", "Neighbourhood"
    SITE = "site", "Site (base, airport, camp, facility)"
    ZONE = "zone", "Zone"
    CORRIDOR = "corridor", "Corridor"


class CeasefireType(models.TextChoices):
    UNILATERAL = "unilateral", "Unilateral"
    BILATERAL = "bilateral", "Bilateral"
    MULTILATERAL = "multilateral", "Multilateral"


class CeasefirePurpose(models.TextChoices):
    HUMANITARIAN = "humanitarian", "Humanitarian"
    DE_ESCALATION = "de_escalation", "De-escalation"
    CESSATION_OF_HOSTILITIES = "cessation_of_hostilities", "Cessation of hostilities"
    COMPREHENSIVE = "comprehensive", "Comprehensive / peace process"
    OTHER = "other", "Other"


class PartyRole(models.TextChoices):
    """A party's role in a ceasefire. Signatories and bound parties undertake to hold fire;
    guarantors, mediators and observers undertake nothing by that role (a guarantor whose own
    forces are engaged in the zone is recorded as a signatory or bound party). In a unilateral
    ceasefire only the declarer (signatory) and the parties it commits are bound. An exempt
    party is one the terms exclude (groups designated terrorist): it is bound by nothing, and
    acts against it are no violations."""

    SIGNATORY = "signatory", "Signatory"
    BOUND = "bound", "Bound"
    GUARANTOR = "guarantor", "Guarantor"
    MEDIATOR = "mediator", "Mediator"
    OBSERVER = "observer", "Observer"
    EXEMPT = "exempt", "Exempt (excluded by the terms)"


BINDING_ROLES = frozenset({PartyRole.SIGNATORY, PartyRole.BOUND})


class CommitmentBasis(models.TextChoices):
    """Where the start of the commitment a verdict was measured against comes from."""

    ROLE = "role", "Curated on the party's role"
    DECLARATION = "declaration", "The committing party's own declared start"
    AGREED = "agreed", "The ceasefire's agreed start"


class CeasefireStatusKind(models.TextChoices):
    """Where a ceasefire stands on a date of its lifecycle. `collapsed`, `replaced` and `expired`
    end it: acts after the first of them are not violations of it."""

    IN_FORCE = "in_force", "In force"
    BREAKING_DOWN = "breaking_down", "Breaking down"
    COLLAPSED = "collapsed", "Collapsed"
    REPLACED = "replaced", "Replaced by another agreement"
    EXPIRED = "expired", "Expired"


ENDING_STATUSES = frozenset({CeasefireStatusKind.COLLAPSED, CeasefireStatusKind.REPLACED, CeasefireStatusKind.EXPIRED})


class Initiator(models.TextChoices):
    """Who opened fire in an incident between a perpetrator and a target party."""

    PERPETRATOR = "perpetrator", "The perpetrator (a first strike)"
    TARGET = "target", "The target party (the perpetrator's act is a response)"
    UNKNOWN = "unknown", "Unknown (an exchange or clash with no known initiator)"


class SourceKind(models.TextChoices):
    WIRE_AGENCY = "wire_agency", "Wire agency"
    NEWSPAPER = "newspaper", "Newspaper"
    BROADCASTER = "broadcaster", "Broadcaster"
    ONLINE_MEDIA = "online_media", "Online media"
    MONITORING_GROUP = "monitoring_group", "Monitoring group"
    NGO = "ngo", "NGO / rescuers"
    GOVERNMENT = "government", "Government"
    MILITARY = "military", "Military"
    PARTY_MEDIA = "party_media", "Party media"
    ACTIVIST = "activist", "Activist / activist network"
    WITNESS = "witness", "Residents / witnesses"
    SOCIAL_MEDIA = "social_media", "Social media"
    OTHER = "other", "Other"


class Reliability(models.TextChoices):
    """Source reliability on the NATO Admiralty scale (A–F)."""

    A = "A", "A – completely reliable"
    B = "B", "B – usually reliable"
    C = "C", "C – fairly reliable"
    D = "D", "D – not usually reliable"
    E = "E", "E – unreliable"
    F = "F", "F – reliability cannot be judged"


class IncidentKind(models.TextChoices):
    AIRSTRIKE = "airstrike", "Airstrike"
    DRONE_STRIKE = "drone_strike", "Drone strike"
    ARTILLERY_SHELLING = "artillery_shelling", "Artillery shelling"
    ROCKET_ATTACK = "rocket_attack", "Rocket attack"
    MISSILE_STRIKE = "missile_strike", "Missile strike"
    BARREL_BOMB = "barrel_bomb", "Barrel bomb"
    ARMED_CLASH = "armed_clash", "Armed clash"
    GROUND_ASSAULT = "ground_assault", "Ground assault"
    OTHER = "other", "Other"


class TimePrecision(models.TextChoices):
    """How precisely `occurred_at` is known. `interval` means an explicit [at, until) window."""

    MINUTE = "minute", "Minute"
    HOUR = "hour", "Hour"
    DAY = "day", "Day (local)"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    INTERVAL = "interval", "Explicit interval"


class GeoPrecision(models.TextChoices):
    """How precisely an incident's location is known, from an exact point to a whole region."""

    EXACT = "exact", "Exact point"
    NEAR = "near", "Near the place"
    WITHIN_25KM = "within_25km", "Within 25 km of the place (UCDP GED where_prec 2, ACLED geo_precision 2)"
    TOWN = "town", "Somewhere in the town"
    DISTRICT = "district", "Somewhere in the district"
    REGION = "region", "Somewhere in the governorate / region"


class Attribution(models.TextChoices):
    """How firmly the perpetrator is attributed."""

    UNKNOWN = "unknown", "Unknown (no perpetrator named)"
    ALLEGED = "alleged", "Alleged by a source"
    CLAIMED = "claimed", "Claimed by the perpetrator"
    CONFIRMED = "confirmed", "Confirmed by independent evidence"


class IncidentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    VERIFIED = "verified", "Verified"
    DISPUTED = "disputed", "Disputed"
    REJECTED = "rejected", "Rejected"


# Statuses only a reviewer may set.
REVIEWER_STATUSES = frozenset({IncidentStatus.VERIFIED, IncidentStatus.DISPUTED, IncidentStatus.REJECTED})


class Confidence(models.TextChoices):
    """How well an incident is established, on the grading conflict monitors use. The tracker
    suggests one of the first four from the claims (tracker.domain.provenance); the curator's grade
    may be any, and only a curator discounts."""

    CONFIRMED = "confirmed", "Confirmed (the responsible party concedes it)"
    FAIR = "fair", "Fair (two or more independent non-party claimants agree)"
    WEAK = "weak", "Weak (one claimant)"
    CONTESTED = "contested", "Contested (different perpetrators named, or denied)"
    DISCOUNTED = "discounted", "Discounted (a curator's call)"
    UNASSESSED = "unassessed", "Not assessed"


class ClaimantBasis(models.TextChoices):
    """Why a source is a claim's claimant."""

    ATTRIBUTED = "attributed", "The report attributes the claim to it"
    WIRE = "wire", "Agency whose story the report carries"
    REPORT = "report", "The report's own source"


class Stance(models.TextChoices):
    """What a report does with the claim it carries."""

    REPORTS = "reports", "Reports"
    DISPUTES = "disputes", "Disputes"
    DENIES = "denies", "Denies"


class Verdict(models.TextChoices):
    VIOLATION = "violation", "Violation"
    POSSIBLE = "possible", "Possible violation"
    NOT_VIOLATION = "not_violation", "Not a violation"


class Reason(models.TextChoices):
    """Why a verdict is not a plain `violation`: a failed condition or an uncertain one."""

    BEFORE_START = "before_start", "Before the ceasefire started"
    AFTER_END = "after_end", "After the ceasefire ended"
    TIME_UNCERTAIN = "time_uncertain", "Only partly inside the ceasefire's interval"
    OUTSIDE_ZONE = "outside_zone", "Outside the ceasefire's zone"
    PLACE_UNCERTAIN = "place_uncertain", "Only partly inside the ceasefire's zone"
    PERPETRATOR_UNKNOWN = "perpetrator_unknown", "No perpetrator named"
    PERPETRATOR_NOT_BOUND = "perpetrator_not_bound", "Perpetrator not bound by the ceasefire"
    DISCOUNTED = "discounted", "A curator discounted the incident"
    AFTER_COLLAPSE = "after_collapse", "After the ceasefire collapsed"
    ACT_NOT_BARRED = "act_not_barred", "Not an act the perpetrator undertook to stop (kind or area)"
    TARGET_EXEMPT = "target_exempt", "The target is a party the ceasefire's terms exclude"
    INITIATOR_UNKNOWN = "initiator_unknown", "An exchange whose initiator is unknown"
    # Notes: they explain a verdict and never change it.
    RESPONSE = "response", "The perpetrator responded to the target's fire"
    RESPONDS_TO_VIOLATION = "responds_to_violation", "A response to an incident assessed a violation of this ceasefire"
    BY_ORIGIN = "by_origin", "Inside the zone by where the fire came from, not where it landed"


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


class SyndicationDecision(models.TextChoices):
    """A curator's word on a report's detected syndication link; kept across recomputation."""

    AUTOMATIC = "", "Automatic"
    CONFIRMED = "confirmed", "Confirmed copy"
    DETACHED = "detached", "Not a copy (detached)"
