"""Domain models, one module per entity family (incidents, ceasefires, places, parties, sources...)."""

from tracker.models.assessments import Assessment, VerdictRecompute, VerdictRules
from tracker.models.auth import ApiToken, IdempotencyRecord
from tracker.models.ceasefires import Ceasefire, CeasefireParty, CeasefireStatus, Declaration
from tracker.models.compliance import ComplianceLedger, ComplianceShare, ComplianceTally
from tracker.models.generation import DataGeneration
from tracker.models.incidents import Citation, Incident
from tracker.models.parties import Party, PartyAlias
from tracker.models.places import Place, PlaceName
from tracker.models.provenance import IncidentProvenance
from tracker.models.releases import Release
from tracker.models.sources import Report, ReportBand, Source
from tracker.models.subscriptions import (
    Delivery,
    IncidentEvent,
    Subscription,
    SubscriptionIncident,
    SubscriptionSecret,
)
from tracker.models.trash import TrashedCitation, TrashedIncident, TrashedPlace, TrashedReport

__all__ = [
    "ApiToken",
    "IdempotencyRecord",
    "Assessment",
    "VerdictRecompute",
    "VerdictRules",
    "Ceasefire",
    "CeasefireParty",
    "CeasefireStatus",
    "Citation",
    "ComplianceLedger",
    "ComplianceShare",
    "ComplianceTally",
    "DataGeneration",
    "Delivery",
    "Declaration",
    "Incident",
    "IncidentEvent",
    "IncidentProvenance",
    "Release",
    "Party",
    "PartyAlias",
    "Place",
    "PlaceName",
    "Report",
    "ReportBand",
    "Source",
    "Subscription",
    "SubscriptionIncident",
    "SubscriptionSecret",
    "TrashedCitation",
    "TrashedIncident",
    "TrashedPlace",
    "TrashedReport",
]
