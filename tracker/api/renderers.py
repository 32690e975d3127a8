"""Renderers: JSON for machines, and a browsable API for people."""

from rest_framework.renderers import BrowsableAPIRenderer


class RawFormBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable API with only its raw JSON form: the HTML form cannot show a selected
    related record whose representation is an object, and would silently submit another."""

    def render_form_for_serializer(self, serializer):
        return ""
