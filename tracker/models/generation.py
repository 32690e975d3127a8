"""The data generation: one number that changes after every committed write."""

from django.db import models


class DataGeneration(models.Model):
    """A single row (id 1) whose `value` moves after every transaction that wrote anything
    (tracker.generation). Cached API responses are keyed by it, so a write makes every cached
    answer unreachable at once, in every process and on every app server."""

    value = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.value)
