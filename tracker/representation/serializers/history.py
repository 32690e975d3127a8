"""History entries, the removals feed and bulk write results."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.history import Channel
from tracker.representation.fields import OffsetDateTimeField
from tracker.selectors.history import HISTORY_TYPES

# History.


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name as the API writes it (related records by id).")
    old = serializers.JSONField(allow_null=True, help_text="Its value before (null when the record was created).")
    new = serializers.JSONField(allow_null=True, help_text="Its value after.")


class HistoryUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    """One change of a record: who made it, when, through which channel, why, and what it changed."""

    id = serializers.IntegerField(source="history_id")
    at = serializers.DateTimeField(source="history_date")
    type = serializers.SerializerMethodField(help_text="created, changed or deleted (purged).")
    version = serializers.IntegerField(allow_null=True, help_text="The record's version after this change.")
    user = HistoryUserSerializer(source="history_user", allow_null=True)
    channel = serializers.ChoiceField(source="history_channel", choices=Channel.choices)
    reason = serializers.CharField(source="history_change_reason", allow_null=True)
    changes = ChangeSerializer(many=True)

    @extend_schema_field(serializers.ChoiceField(choices=["created", "changed", "deleted"]))
    def get_type(self, entry) -> str:
        return HISTORY_TYPES[entry.history_type]


class RemovedQuerySerializer(serializers.Serializer):
    since = OffsetDateTimeField(help_text="Removals at or after this instant (ISO 8601 with offset).")
    cursor = serializers.CharField(required=False, help_text="The `next` link's cursor.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


class RemovalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When it was deleted, merged, purged or withdrawn.")
    reason = serializers.ChoiceField(
        choices=["deleted", "merged", "purged", "withdrawn"],
        help_text="withdrawn: taken out of publication (unpublished or rejected); listed only for readers who "
        "cannot see unpublished incidents, for whom it is gone.",
    )
    merged_into = serializers.IntegerField(allow_null=True, help_text="The incident kept, for a merged duplicate.")


class RemovalPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = RemovalSerializer(many=True)


class BulkItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the request (from 0).")
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    id = serializers.IntegerField(allow_null=True, help_text="The incident's id (null for an item that matched none).")
    errors = serializers.DictField(allow_null=True, help_text="Field errors of an item in error, else null.")


class BulkCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()


class BulkResultSerializer(serializers.Serializer):
    results = BulkItemResultSerializer(many=True)
    counts = BulkCountsSerializer()
