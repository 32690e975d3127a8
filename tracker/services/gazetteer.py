"""Writes to places and parties, with their alternate names and aliases."""

from collections.abc import Iterable, Mapping
from typing import Any

from tracker.models import Party, Place
from tracker.services import common


def place_create(*, data: Mapping[str, Any], alternate_names: Iterable[Mapping[str, Any]] = (), user) -> Place:
    """Create a place with its alternate names (dicts of name, language)."""
    return common.save_with_children(Place, data=data, children={"alternate_names": ("name", alternate_names)}, user=user)


def place_update(
    *,
    place: Place,
    data: Mapping[str, Any],
    alternate_names: Iterable[Mapping[str, Any]] | None = None,
    user,
    expected_version=None,
) -> Place:
    """Update a place; `alternate_names`, when given, replaces the whole list. A change to
    where it is (point, geometry, parent) or its time zone reassesses what depends on it."""
    children = {"alternate_names": ("name", alternate_names)}
    return common.save_with_children(place, data=data, children=children, user=user, expected_version=expected_version)


def place_delete(*, place: Place, user, expected_version=None) -> None:
    """Move a place to the trash; live incidents, child places and ceasefires protect it (409)."""
    common.delete(place, user=user, expected_version=expected_version)


def _aliases(aliases: Iterable[str] | None) -> dict:
    return {"aliases": ("name", None if aliases is None else [{"name": alias} for alias in aliases])}


def party_create(*, data: Mapping[str, Any], aliases: Iterable[str] = (), user) -> Party:
    """Create a party with its aliases."""
    return common.save_with_children(Party, data=data, children=_aliases(aliases), user=user)


def party_update(
    *, party: Party, data: Mapping[str, Any], aliases: Iterable[str] | None = None, user, expected_version=None
) -> Party:
    """Update a party; `aliases`, when given, replaces the whole list. A new parent changes who
    is bound with whom: the verdicts of the ceasefires its old and new chains have roles in are
    recomputed (on the task queue)."""
    return common.save_with_children(party, data=data, children=_aliases(aliases), user=user, expected_version=expected_version)


def party_delete(*, party: Party, user, expected_version=None) -> None:
    """Delete a party nothing refers to."""
    common.delete(party, user=user, expected_version=expected_version)


PLACES = common.Writes(place_create, place_update, place_delete, instance_kwarg="place")
PARTIES = common.Writes(party_create, party_update, party_delete, instance_kwarg="party")
