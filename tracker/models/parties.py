"""Parties: the states, armed forces, groups and bodies that act in a conflict."""

from django.db import models

from tracker.choices import PartyKind
from tracker.history import TrackerHistory
from tracker.models.base import NameKeyMixin, OtherName, TrackedModel, optional_link, unique
from tracker.models.hierarchy import HierarchyMixin
from tracker.validators import validate_country_code


class Party(NameKeyMixin, HierarchyMixin, TrackedModel):
    """An actor. `parent` makes sub-units (Russian Aerospace Forces → Russia), so that a
    ceasefire binding Russia binds its air force, and filters by a party include its units."""

    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=32, choices=PartyKind.choices)
    parent = optional_link("self", related_name="children", help_text="The party this one is a unit or branch of.")
    country_code = models.CharField(max_length=2, blank=True, validators=[validate_country_code])
    description = models.TextField(blank=True)

    history = TrackerHistory()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"
        constraints = [unique("party_name_unique", ["name"], "A party with this name already exists.")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.clean_parent()


class PartyAlias(OtherName):
    """Another name a party goes by in reports ("Syrian regime", "VKS", "rebels")."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="aliases")

    history = TrackerHistory()

    class Meta(OtherName.Meta):
        verbose_name_plural = "party aliases"
        constraints = [unique("partyalias_unique", ["party", "name"], "This party already has that alias.")]
