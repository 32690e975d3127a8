"""The role groups and the permissions each grants. `manage.py setup_roles` applies them."""

CURATED = ["incident", "citation", "report", "source", "place", "placename", "party", "partyalias"]
CEASEFIRE = ["ceasefire", "ceasefireparty", "ceasefirestatus", "declaration"]
# Deleting these moves them to the trash (recoverable); their name lists are edited in place.
TRASHABLE = ["incident", "citation", "report", "place"]
# Releases are read by every role (made by `manage.py release`, never through a form).
ALL_MODELS = CURATED + CEASEFIRE + ["assessment", "release"]


def _perms(actions: list[str], models: list[str]) -> set[str]:
    return {f"{action}_{model}" for action in actions for model in models}


ROLES: dict[str, set[str]] = {
    # Enters and curates reports; reads everything; deletes to the trash and restores.
    "curator": _perms(["view"], ALL_MODELS)
    | _perms(["add", "change"], CURATED)
    | _perms(["delete"], [*TRASHABLE, "placename", "partyalias"]),
    # A curator who also verifies/disputes/rejects incidents, deletes parties and sources,
    # purges the trash, edits ceasefires and overrides verdicts.
    "reviewer": _perms(["view"], ALL_MODELS)
    | _perms(["add", "change", "delete"], CURATED)
    | _perms(["add", "change", "delete"], CEASEFIRE)
    | _perms(["change"], ["assessment"])
    | _perms(["purge"], TRASHABLE)
    | {"review_incident"},
    # Machine clients pushing incidents in through the API.
    "ingest": _perms(["view"], ALL_MODELS) | _perms(["add", "change"], ["incident", "citation", "report"]),
}
