"""The pure rules of the domain: what a verdict is, how time windows and locations overlap, how
names match, how claims grade an incident, how reports are recognised as copies.

Nothing here reads or writes the database: these modules take plain values and model instances
(read for their attributes) and return values. They import only the standard library, the
shared vocabulary (`tracker.choices`) and each other; everything else imports them
(docs/ARCHITECTURE.md gives the layers and the contracts that hold them).
"""
