"""Writes to ceasefires, their parties' roles and the parties' declarations."""

from collections.abc import Iterable, Mapping
from typing import Any

from tracker.models import Ceasefire, Declaration
from tracker.services import common


def _children(parties, lifecycle) -> dict:
    """A ceasefire's child lists: its parties' roles (one per party) and its lifecycle (one
    step per instant)."""
    return {"party_roles": ("party", parties), "lifecycle": ("effective_at", lifecycle)}


def ceasefire_create(
    *, data: Mapping[str, Any], parties: Iterable[Mapping[str, Any]] = (), lifecycle: Iterable[Mapping[str, Any]] = (), user
) -> Ceasefire:
    """Create a ceasefire with its parties' roles (dicts of party, role...) and its lifecycle
    (dicts of status, effective_at, report, notes)."""
    return common.save_with_children(Ceasefire, data=data, children=_children(parties, lifecycle), user=user)


def ceasefire_update(
    *,
    ceasefire: Ceasefire,
    data: Mapping[str, Any],
    parties: Iterable[Mapping[str, Any]] | None = None,
    lifecycle: Iterable[Mapping[str, Any]] | None = None,
    user,
    expected_version=None,
) -> Ceasefire:
    """Update a ceasefire; `parties`, when given, replaces every party's role, and `lifecycle`
    its whole status timeline."""
    children = _children(parties, lifecycle)
    return common.save_with_children(ceasefire, data=data, children=children, user=user, expected_version=expected_version)


def ceasefire_delete(*, ceasefire: Ceasefire, user, expected_version=None) -> None:
    """Delete a ceasefire with its roles and declarations."""
    common.delete(ceasefire, user=user, expected_version=expected_version)


@common.operation()
def declaration_create(*, data: Mapping[str, Any], user) -> Declaration:
    """Record a party's claim about a ceasefire. A declared start can be the start of the
    party's commitment (tracker.domain.commitments): the ceasefire's verdicts are recomputed."""
    return common.create(Declaration, data=data, user=user)


@common.operation()
def declaration_update(*, declaration: Declaration, data: Mapping[str, Any], user, expected_version=None) -> Declaration:
    """Update a declaration, and recompute the verdicts of the ceasefire(s) it concerns."""
    return common.update(declaration, data=data, user=user, expected_version=expected_version)


@common.operation()
def declaration_delete(*, declaration: Declaration, user, expected_version=None) -> None:
    """Delete a declaration, and recompute the verdicts of its ceasefire."""
    common.delete(declaration, user=user, expected_version=expected_version)


CEASEFIRES = common.Writes(ceasefire_create, ceasefire_update, ceasefire_delete, instance_kwarg="ceasefire")
DECLARATIONS = common.Writes(declaration_create, declaration_update, declaration_delete, instance_kwarg="declaration")
