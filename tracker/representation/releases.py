"""How a release presents itself to those who cite it: the checksum of its export, a suggested
citation, and a CITATION.cff (Citation File Format 1.2.0, which GitHub, Zenodo and reference
managers read)."""

import hashlib
import json

from tracker import conf
from tracker.models import Incident, Release
from tracker.representation import incident_json, incident_rows
from tracker.representation.export import encoded_export
from tracker.representation.serializers.incidents import IncidentSerializer

CFF_VERSION = "1.2.0"


def export_checksum(release: Release) -> str:
    """SHA-256 of the release's NDJSON export of incidents, exactly the bytes that
    GET /api/v1/releases/NAME/incidents/export/ sends (read inside `release_tables.reading`)."""
    incidents = Incident.objects.visible_to(None)
    digest = hashlib.sha256()
    for chunk in encoded_export(
        incident_rows.rows_queryset(incidents),
        IncidentSerializer,
        "ndjson",
        {},
        build=incident_rows.build,
        encoded=incident_json.ndjson_stream(incidents),
    ):
        digest.update(chunk)
    return digest.hexdigest()


def _what(release: Release) -> str:
    counts = release.counts
    return f"{counts.get('incidents', 0):,} incidents, {counts.get('ceasefires', 0):,} ceasefires"


def suggested_citation(release: Release, url: str) -> str:
    """One line for a bibliography: who, what, which release, as of when, what it holds, how to
    check the file, where."""
    title = release.title or "Ceasefire violations"
    instant = release.instant.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{conf.PUBLISHER} ({release.instant.year}). {title}, release {release.name} (data as of {instant}; "
        f"{_what(release)}; verdict rules {release.rules_version}). SHA-256 of the incidents export: "
        f"{release.checksum}. {url}"
    )


def _yaml(value: str) -> str:
    # A JSON string is a YAML double-quoted scalar: any title or name stays one scalar, whatever it holds.
    return json.dumps(value, ensure_ascii=False)


def citation_cff(release: Release, url: str, export_url: str) -> str:
    """The release's CITATION.cff: a dataset, its version the release's name, released on the
    instant's date, with the export's checksum among its identifiers' descriptions."""
    title = release.title or "Ceasefire violations"
    lines = [
        f"cff-version: {CFF_VERSION}",
        'message: "If you use these data, please cite this release as below."',
        "type: dataset",
        f"title: {_yaml(title)}",
        f"version: {_yaml(release.name)}",
        f"date-released: {release.instant.date().isoformat()}",
        "authors:",
        f"  - name: {_yaml(conf.PUBLISHER)}",
        f"abstract: {_yaml(f'Every public record and verdict as of {release.instant.isoformat()}: {_what(release)}. Verdict rules {release.rules_version}.')}",
        f"url: {_yaml(url)}",
        "identifiers:",
        "  - type: url",
        f"    value: {_yaml(export_url)}",
        f"    description: {_yaml(f'The incidents export (NDJSON), SHA-256 {release.checksum}')}",
        "keywords:",
        '  - "ceasefire"',
        '  - "conflict data"',
    ]
    return "\n".join(lines) + "\n"
