"""Optimistic concurrency over HTTP: a record's `version` is its strong ETag; writes name the
version they were based on in `If-Match`.

- GET (and every successful write) answers `ETag: "<version>"`.
- PUT, PATCH and DELETE without `If-Match` → 428; `If-Match` naming another version → 412 with
  the current version in the body (and its ETag), so the client can re-read and retry.
- The version check happens in the service layer as one compare-and-set UPDATE, so two writers
  holding the same ETag can never both succeed.
"""

import re

from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

IF_MATCH = "If-Match"
_ENTITY_TAG = re.compile(r'^(W/)?"([^"]*)"$')


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = 'This request must carry an If-Match header with the ETag of the version it changes (GET the record, send its ETag, e.g. If-Match: "3").'
    default_code = "precondition_required"


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None, *, required: bool) -> list[int] | None:
    """The versions an If-Match header accepts, or None when it is absent and optional.

    Weak tags and `*` cannot guard a write (they name no version), so they are refused.
    """
    if header is None or not header.strip():
        if required:
            raise PreconditionRequired()
        return None
    versions = []
    for part in header.split(","):
        part = part.strip()
        if part == "*":
            raise PreconditionRequired('If-Match: * does not say which version you read; send the record\'s ETag (e.g. "3").')
        match = _ENTITY_TAG.match(part)
        if not match or match.group(1) or not match.group(2).isdigit() or len(match.group(2)) > 12:
            raise ValidationError({IF_MATCH: [f'{part!r} is not an ETag of this API; send the ETag a GET returned, e.g. "3".']})
        versions.append(int(match.group(2)))
    return versions
