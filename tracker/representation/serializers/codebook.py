"""The codebook's answer (documentation; tracker.selectors.codebook builds it)."""

from rest_framework import serializers


class TermSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="What the API stores, filters on and returns.")
    label = serializers.CharField()
    definition = serializers.CharField(allow_null=True, help_text="What it means, where the label is not enough.")


class VocabularySerializer(serializers.Serializer):
    name = serializers.CharField()
    about = serializers.CharField(help_text="What the vocabulary classifies.")
    used_by = serializers.ListField(child=serializers.CharField(), help_text="The `Model.field`s that take its values.")
    terms = TermSerializer(many=True)


class RulesSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="Moved with every change to what a verdict means (docs/VERDICTS.md).")
    parameters = serializers.DictField(help_text="Every parameter a verdict depends on, with the value in force here.")
    documentation = serializers.CharField()


class CodebookSerializer(serializers.Serializer):
    rules = RulesSerializer()
    vocabularies = VocabularySerializer(many=True)
