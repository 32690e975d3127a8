"""Writes to sources and reports."""

from collections.abc import Mapping
from typing import Any

from tracker.choices import SourceKind, SyndicationDecision
from tracker.domain.syndication import byline_names, fingerprint
from tracker.models import Report, Source
from tracker.services import common, derived, syndication

# Changing these can change which reports a report is a copy of.
SYNDICATION_FIELDS = derived.SYNDICATION_FIELDS


def wire_agency_named(report: Report) -> Source | None:
    """The wire agency the report's byline, credit line or dateline names (a source of kind
    wire agency, by name, case ignored), other than the report's own source."""
    for name in byline_names(report.body):
        agency = Source.objects.filter(kind=SourceKind.WIRE_AGENCY, name__iexact=name).first()
        if agency is not None and agency.pk != report.source_id:
            return agency
    return None


@common.operation()
def report_create(*, data: Mapping[str, Any], user) -> Report:
    """Create a report; if its text is a near-copy of an earlier report's, link it to the
    earliest report of that cluster, and make it the original of later copies. A byline naming
    a wire agency sets its wire source, unless the writer gave one."""
    report = common.apply(Report(), data)
    if "wire_source" not in data and report.body:
        report.wire_source = wire_agency_named(report)
    # One candidate search serves both directions: what it copies, and what copies it.
    text = fingerprint(report.body)
    found = syndication.matches(report, text)
    common.apply(report, syndication.link_for(report, found))
    # Its index and the later copies it now precedes follow (tracker.services.derived).
    return common.save_validated(report, user=user, hints={"fingerprint": text, "matches": found})


@common.operation()
def report_update(*, report: Report, data: Mapping[str, Any], user, expected_version=None) -> Report:
    """Update a report. A new text or date re-runs syndication detection; a curator's
    `syndication_decision` is kept: `detached` clears the link for good, `confirmed` keeps it,
    back to automatic detects again."""
    snapshot = common.snapshot(report, [*data, *SYNDICATION_FIELDS, "syndicated_from", "syndication_score"])
    before = {name: getattr(report, name) for name in SYNDICATION_FIELDS}
    linked_before = report.syndicated_from_id
    common.apply(report, data)
    if "body" in data and "wire_source" not in data and report.wire_source_id is None and report.body:
        report.wire_source = wire_agency_named(report)
    if report.syndicated_from_id != linked_before and not report.syndication_decision:
        # A link set by hand is a curator's decision.
        report.syndication_decision = SyndicationDecision.CONFIRMED
    changed = {name for name in SYNDICATION_FIELDS if getattr(report, name) != before[name]}
    text = fingerprint(report.body) if changed else None
    found = syndication.matches(report, text) if changed else []
    if report.syndication_decision == SyndicationDecision.DETACHED:
        common.apply(report, syndication.NO_LINK)
    elif changed:
        common.apply(report, syndication.link_for(report, found))
    return common.save_validated(
        report, user=user, expected_version=expected_version, before=snapshot, hints={"fingerprint": text, "matches": found}
    )


def report_delete(*, report: Report, user, expected_version=None) -> None:
    """Move a report to the trash; live citations of it protect it (409)."""
    common.delete(report, user=user, expected_version=expected_version)


# A source is deleted only when no report or claim refers to it (PROTECT: a 409 naming them).
SOURCES = common.Writes.plain(Source)
REPORTS = common.Writes(report_create, report_update, report_delete, instance_kwarg="report")
