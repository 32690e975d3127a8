"""How the tracker's records are represented to the outside: serializers per resource (the
contract of the API's schema), the lean incident rows of the hot list path, and the formats and
streamed exports (CSV, GeoJSON, NDJSON) that the API and the admin both serve.

It sits between the interfaces (tracker.api, tracker.admin) and the services/selectors below:
both interfaces import it, it imports neither (docs/ARCHITECTURE.md, .importlinter).
"""
