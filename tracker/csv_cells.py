"""Spreadsheet-safe CSV cells (OWASP's "CSV injection").

A spreadsheet opening a CSV runs a cell that starts with `=`, `+`, `-` or `@` as a formula
(`=HYPERLINK(...)`, DDE payloads), and some also after a leading tab or carriage return.
Titles, names and notes come from ingest tokens and imported files, so every text cell we
write that starts with one of these gets a leading apostrophe, which spreadsheets read as
"this is text" and do not show. Numbers are written as numbers (a longitude of -3.2 stays
-3.2). Text that itself starts with an apostrophe gets one more, so that `restore` undoes
`neutralise` exactly and the tracker's own CSV import reads its export back unchanged.
"""

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = (*TRIGGERS, "'")


def neutralise(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs."""
    return "'" + text if text.startswith(_ESCAPED) else text


def restore(text: str) -> str:
    """The text `neutralise` was given."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_ESCAPED) else text
