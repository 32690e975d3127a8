"""Writes to sources and reports."""

from collections.abc import Mapping
from typing import Any

from tracker.models import Report, Source
from tracker.services import common


def source_create(*, data: Mapping[str, Any], user) -> Source:
    return common.create(Source, data=data, user=user)


def source_update(*, source: Source, data: Mapping[str, Any], user, expected_version=None) -> Source:
    return common.update(source, data=data, user=user, expected_version=expected_version)


def source_delete(*, source: Source, user, expected_version=None) -> None:
    """Delete a source no report or claim refers to."""
    common.delete(source, user=user, expected_version=expected_version)


def report_create(*, data: Mapping[str, Any], user) -> Report:
    return common.create(Report, data=data, user=user)


def report_update(*, report: Report, data: Mapping[str, Any], user, expected_version=None) -> Report:
    return common.update(report, data=data, user=user, expected_version=expected_version)


def report_delete(*, report: Report, user, expected_version=None) -> None:
    """Move a report to the trash; live citations of it protect it (409)."""
    common.delete(report, user=user, expected_version=expected_version)
