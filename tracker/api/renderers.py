"""Renderers: JSON for machines, CSV and GeoJSON for spreadsheets and maps, and a browsable
API for people. `?format=csv|geojson` picks one (or the Accept header)."""

from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from tracker.representation import encoding, formats


class FastJSONRenderer(JSONRenderer):
    """DRF's JSON, written by orjson (tracker.representation.encoding): the same bytes, in a fraction of
    the time on long lists. `Accept: application/json; indent=2` still indents (DRF's own)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        return encoding.dumps(data)


class RawFormBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable API with only its raw JSON form: the HTML form cannot show a selected
    related record whose representation is an object, and would silently submit another."""

    def render_form_for_serializer(self, serializer):
        return ""


def _items(data) -> tuple[list, dict | None]:
    """(items, page metadata) of a response body: a page, a plain list, or one item."""
    if isinstance(data, dict) and "results" in data and isinstance(data["results"], list):
        return data["results"], data
    if isinstance(data, list):
        return data, None
    return [data], None


def _page_headers(response, page: dict | None) -> None:
    """CSV and GeoJSON have no place for the page links: they go in headers (RFC 8288)."""
    if response is None or page is None:
        return
    links = [f'<{page[rel]}>; rel="{rel}"' for rel in ("next", "previous") if page.get(rel)]
    if links:
        response["Link"] = ", ".join(links)
    if page.get("count") is not None:
        response["X-Total-Count"] = str(page["count"])


SERIALIZED_ACTIONS = {"list", "retrieve", "trash", "create", "update", "partial_update", "export"}


class PageRenderer(BaseRenderer):
    """A renderer of list pages (page links into headers) and single items."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        if data is None:
            return b""
        items, page = _items(data)
        _page_headers(renderer_context.get("response"), page)
        return self.body(data, items, page, renderer_context.get("view")).encode()

    def body(self, data, items: list, page: dict | None, view) -> str:
        raise NotImplementedError


class CSVRenderer(PageRenderer):
    """One row per item, flat columns (tracker.representation.formats), a stable header per endpoint.
    (Errors are answered in JSON: tracker.api.exceptions.)"""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def body(self, data, items, page, view) -> str:
        if isinstance(data, dict) and isinstance(data.get("columns"), list):
            # An answer that names its own columns (the aggregates) has its header even when empty.
            cols = [(name, (name,)) for name in data["columns"]]
        else:
            cols = self._columns(view, items)
        return formats.csv_text([[header for header, _ in cols], *(formats.flat_row(i, cols) for i in items)])

    @staticmethod
    def _columns(view, items):
        serializer = None
        # Standard actions render their serializer; custom ones (compliance, duplicates) their data.
        action = getattr(view, "action", "list")
        if view is not None and hasattr(view, "get_serializer") and action in SERIALIZED_ACTIONS:
            try:
                serializer = view.get_serializer()
            except (AssertionError, AttributeError, TypeError):
                serializer = None
        if serializer is not None and hasattr(serializer, "fields"):
            return formats.columns(serializer)
        return formats.columns_of_data(items[0]) if items and isinstance(items[0], dict | ReturnDict) else []


class GeoJSONRenderer(PageRenderer):
    """An RFC 7946 FeatureCollection of a page of items (a Feature for one item): each item's
    point or geometry, its list fields as properties."""

    media_type = "application/geo+json"
    format = "geojson"
    charset = None

    def body(self, data, items, page, view) -> str:
        if page is None and isinstance(data, dict):
            return formats.feature_json(data)
        return '{"type":"FeatureCollection","features":[' + ",".join(map(formats.feature_json, items)) + "]}"


class NDJSONRenderer(BaseRenderer):
    """One JSON object per line (the export streams its own; this serves content negotiation)."""

    media_type = "application/x-ndjson"
    format = "ndjson"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        items, _ = _items(data)
        return "".join(map(formats.ndjson_line, items)).encode()


class DatasetCSVRenderer(CSVRenderer):
    """The export in a dataset's shape: tracker.representation.dataset_exports streams the file
    itself; this serves content negotiation by `?format=`. What it is asked to render otherwise
    (an OPTIONS answer's description) is written as any CSV; errors are answered in JSON."""


class ACLEDRenderer(DatasetCSVRenderer):
    format = "acled"


class GEDRenderer(DatasetCSVRenderer):
    format = "ged"
