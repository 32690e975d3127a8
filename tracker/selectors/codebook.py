"""The codebook as readers get it: every vocabulary with what it classifies, its terms (value,
label, definition where the label is not enough), the fields that use it, and the verdict rules'
version and parameters — from the one source (tracker/codebook.toml, tracker/domain/verdicts.py),
so the API's /api/v1/codebook/, its schema's enums and README's tables cannot disagree."""

from django.apps import apps

from tracker import choices
from tracker.choices import CODEBOOK
from tracker.domain.verdicts import RULES_VERSION, rule_parameters

VERDICT_RULES_DOC = "docs/VERDICTS.md"
# Vocabularies whose values live in lists or are computed, not in a field with choices.
OTHER_USES = {
    "Reason": ["Assessment.reasons"],
    "ClaimantBasis": ["the claims of an incident's detail (claims[].basis)"],
}


def _fields_using() -> dict[str, list[str]]:
    """Vocabulary name -> the `Model.field`s whose choices it is (history copies left out)."""
    by_choices = {tuple(getattr(choices, name).choices): name for name in CODEBOOK}
    used: dict[str, list[str]] = {name: list(OTHER_USES.get(name, ())) for name in CODEBOOK}
    for model in apps.get_app_config("tracker").get_models():
        if model.__name__.startswith("Historical") or model._meta.proxy:
            continue
        for field in model._meta.fields:
            name = by_choices.get(tuple(field.choices or ()))
            if name is not None:
                used[name].append(f"{model.__name__}.{field.name}")
    return used


def codebook() -> dict:
    """The whole codebook: the rules, then each vocabulary in the file's order."""
    used = _fields_using()
    return {
        "rules": {"version": RULES_VERSION, "parameters": rule_parameters(), "documentation": VERDICT_RULES_DOC},
        "vocabularies": [
            {
                "name": name,
                "about": entry["about"],
                "used_by": used[name],
                "terms": [
                    {"value": term[0], "label": term[1], "definition": term[2] if len(term) > 2 else None}
                    for term in entry["terms"].values()
                ],
            }
            for name, entry in CODEBOOK.items()
        ],
    }


def markdown() -> str:
    """README's codebook tables: one per vocabulary (`manage.py codebook` prints it)."""
    book = codebook()
    rules = book["rules"]
    lines = [
        f"Verdict rules version `{rules['version']}` ({rules['documentation']}); parameters (their defaults; TRACKER_ settings change them): "
        + "; ".join(f"`{key}` {_plain(value)}" for key, value in rules["parameters"].items())
        + ".",
        "",
    ]
    for vocabulary in book["vocabularies"]:
        fields = ", ".join(f"`{field}`" for field in vocabulary["used_by"]) or "—"
        lines += [f"**{vocabulary['name']}** — {vocabulary['about']} Used by: {fields}.", ""]
        defined = any(term["definition"] for term in vocabulary["terms"])
        lines += ["| value | label | definition |", "| --- | --- | --- |"] if defined else ["| value | label |", "| --- | --- |"]
        for term in vocabulary["terms"]:
            cells = [f"`{term['value']}`" if term["value"] else "(empty)", _cell(term["label"])]
            if defined:
                cells.append(_cell(term["definition"] or ""))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _plain(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key} {item:g}" if isinstance(item, float) else f"{key} {item}" for key, item in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
