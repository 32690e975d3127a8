"""Links from one incident to another (`responds_to`) in what a reader is shown.

A published incident may answer an unpublished one. The visibility rule (tracker.models.
visibility) makes a hidden incident look exactly like an absent one, so its id must not reach
the public through the link either: every representation of incidents — the list's rows, one
incident, an export, a subscription's delivery, a change history — shows the link as null to a
reader who may not see its target. A release clears such links in its tables
(tracker/release_tables.py), for the same reason.
"""

from tracker.selectors.visibility import unseen_incidents

# The fields of an incident's representation that hold another incident's id.
LINKS = ("responds_to",)


def hide_unseen_links(items: list[dict], user) -> list[dict]:
    """Null, in place, the links of these items (incident representations) whose target `user`
    may not see; the items. One query for all of them, none when no item links to another or
    the reader sees every incident."""
    unseen = unseen_incidents((item.get(name) for item in items for name in LINKS), user)
    if unseen:
        for item in items:
            for name in LINKS:
                if item.get(name) in unseen:
                    item[name] = None
    return items
