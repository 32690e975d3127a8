"""Citable releases: frozen snapshots of the public record."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from tracker.history import TrackerHistory

# What a release may be called: it is a path segment and part of a citation ("2026-12", "v1.0").
RELEASE_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"


class Release(models.Model):
    """A named, frozen copy of every public record and verdict as they stood at `instant`
    (tracker.release_tables holds the copy, one table per released model), served read-only at
    /api/v1/releases/NAME/ so that a figure quoted from it can be checked years later, whatever
    was edited since. `checksum` is the SHA-256 of the release's NDJSON export of incidents, the
    file a citation names; `counts` what it holds; `rules_version` and `rules_parameters` the
    verdict rules its verdicts were computed under. Created by `manage.py release`; never
    edited afterwards (the copy is the point)."""

    name = models.CharField(
        max_length=64,
        unique=True,
        validators=[RegexValidator(f"^{RELEASE_NAME}$", "Letters, digits, '.', '_' and '-', starting with a letter or digit.")],
    )
    title = models.CharField(max_length=300, blank=True, help_text="What the release is, for its citation.")
    instant = models.DateTimeField(help_text="The moment the copy was taken (UTC): the release is the record as of then.")
    rules_version = models.CharField(max_length=32)
    rules_parameters = models.JSONField()
    counts = models.JSONField(default=dict, blank=True, help_text="Records per kind, incidents per verdict.")
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the release's NDJSON export of incidents.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    history = TrackerHistory()

    class Meta:
        ordering = ["-instant", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def sealed(self) -> bool:
        """Its copy is complete and its checksum taken: until then it is not served."""
        return bool(self.checksum)
