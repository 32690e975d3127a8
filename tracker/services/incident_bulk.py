"""Many incidents written at once by external id (the API's bulk upsert): each item its own
transaction, so valid items are saved even when others fail, and each gets its own outcome."""

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError

from tracker.models import Incident
from tracker.services import incidents
from tracker.services.common import VersionConflict

OUTCOMES = ("created", "updated", "unchanged", "error")

# Attempts per item when a concurrent request wrote the same external id in between.
ATTEMPTS = 5

# Validates one item against the incident it would update (None: a new one): the validated data,
# or None and the field errors. The interface provides it (its serializer is the contract).
Validate = Callable[[Mapping[str, Any], Incident | None], tuple[Mapping[str, Any] | None, dict]]
# Field errors of a model validation error, as the interface writes them.
AsErrors = Callable[[DjangoValidationError], dict]


class _CreatedMeanwhile(Exception):
    """An item's external id was created by a concurrent request after we looked it up."""


def incident_bulk_upsert(items: list, *, user, validate: Validate, as_errors: AsErrors) -> dict:
    """Create or update each item by its (external_source, external_id): the results, in order
    (index, status, id, errors), and the count of each outcome."""
    results = [_item(index, item, user, validate, as_errors) for index, item in enumerate(items)]
    return {"results": results, "counts": {outcome: sum(r["status"] == outcome for r in results) for outcome in OUTCOMES}}


def _error(index: int, errors: dict, existing: Incident | None = None) -> dict:
    return {"index": index, "status": "error", "id": existing.pk if existing else None, "errors": errors}


def _item(index: int, item, user, validate: Validate, as_errors: AsErrors) -> dict:
    if not isinstance(item, dict):
        return _error(index, {"non_field_errors": ["Expected an object."]})
    missing = {
        name: ["Required to match the incident in a bulk upsert."]
        for name in ("external_source", "external_id")
        if not item.get(name)
    }
    if missing:
        return _error(index, missing)
    # A concurrent request may create the same external id after we looked it up (our insert
    # then violates the unique index) or change it after we read it (our version claim fails):
    # look again and redo the item, so each item still gets its own outcome, never a
    # whole-request failure.
    for attempt in range(ATTEMPTS):
        try:
            # incident_upsert is atomic: the item's writes are its own transaction (savepoint).
            return _attempt(index, item, user, validate, as_errors)
        except (IntegrityError, VersionConflict, _CreatedMeanwhile):
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _check_created_meanwhile(existing: Incident | None, item: dict, errors: dict) -> None:
    """A uniqueness error on an external id that was free when we looked: another request
    created it since, so this item is an update — raise to redo it."""
    source, external_id = str(item["external_source"]), str(item["external_id"])
    if existing is None and "external_id" in errors and incidents.find_external(source, external_id) is not None:
        raise _CreatedMeanwhile


def _attempt(index: int, item: dict, user, validate: Validate, as_errors: AsErrors) -> dict:
    existing = incidents.find_external(str(item["external_source"]), str(item["external_id"]))
    live = existing if existing is not None and existing.deleted_at is None else None
    data, errors = validate(item, live)
    if data is None:
        _check_created_meanwhile(existing, item, errors)
        return _error(index, errors, existing)
    try:
        incident, outcome = incidents.incident_upsert(data=data, user=user, existing=existing)
    except incidents.Removed as removed:
        return _error(index, {"external_id": [str(removed)]}, existing)
    except PermissionDenied as denied:
        return _error(index, {"status": [str(denied)]}, existing)
    except DjangoValidationError as invalid:
        errors = as_errors(invalid)
        _check_created_meanwhile(existing, item, errors)
        return _error(index, errors, existing)
    return {"index": index, "status": outcome, "id": incident.pk, "errors": None}
