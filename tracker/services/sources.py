"""Writes to sources and reports."""

from collections.abc import Mapping
from typing import Any

from tracker.models import Report, Source
from tracker.services import common


def source_create(*, data: Mapping[str, Any], user) -> Source:
    return common.create(Source, data=data, user=user)


def source_update(*, source: Source, data: Mapping[str, Any], user) -> Source:
    return common.update(source, data=data, user=user)


def source_delete(*, source: Source, user) -> None:
    """Delete a source no report or claim refers to."""
    common.delete(source, user=user)


def report_create(*, data: Mapping[str, Any], user) -> Report:
    return common.create(Report, data=data, user=user)


def report_update(*, report: Report, data: Mapping[str, Any], user) -> Report:
    return common.update(report, data=data, user=user)


def report_delete(*, report: Report, user) -> None:
    """Delete a report no citation refers to."""
    common.delete(report, user=user)
