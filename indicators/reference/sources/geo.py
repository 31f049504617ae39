"""Province boundaries: the published TopoJSON (63 provinces) and GeoJSON (34 provinces), simplified
into the project's own GeoJSON keyed by the project's province codes.

Source: the public repository TaliaCao/Vietnam-Shape-Map (MIT), built from Open Development
Vietnam's province layer. Features carry only a name (``ten_tinh``); each is resolved through the
registry as of the last day of its list. Geometry is simplified (tolerance about 1 km) and rounded to
three decimals (about 100 m), which keeps the two lists together under 1 MB — enough for a
choropleth, not for measuring areas.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from indicators.domain.registry import Registry
from indicators.reference.sources import SourceFormatError

TOLERANCE = 0.01
DECIMALS = 3
OLD_LIST_DAY = date(2025, 6, 30)
NEW_LIST_DAY = date(2025, 7, 1)
SOURCE = ("Province boundaries: TaliaCao/Vietnam-Shape-Map (MIT), from Open Development Vietnam; "
          "simplified by indicators/reference/sources/geo.py")


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)
    return arcs


def _ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def _topo_geometry(geometry: dict[str, Any], arcs: list[list[tuple[float, float]]]) -> dict[str, Any]:
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(r, arcs) for r in geometry["arcs"]]}
    if geometry["type"] == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[_ring(r, arcs) for r in p] for p in geometry["arcs"]]}
    raise SourceFormatError(f"unexpected TopoJSON geometry {geometry['type']}")


def read_boundaries(geo_dir: Path, registry: Registry) -> dict[str, Any]:
    """Both lists as one simplified FeatureCollection, each feature keyed by (code, valid_from)."""
    topology = json.loads((geo_dir / "provinces_63.topojson").read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    old = [(g["properties"]["ten_tinh"], _topo_geometry(g, arcs))
           for g in topology["objects"]["diaphantinh_63_fixednames"]["geometries"]]
    new_collection = json.loads((geo_dir / "provinces_34.geojson").read_text(encoding="utf-8"))
    new = [(f["properties"]["ten_tinh"], f["geometry"]) for f in new_collection["features"]]
    features = []
    for era, day, items, expected in (("63", OLD_LIST_DAY, old, 63), ("34", NEW_LIST_DAY, new, 34)):
        shapes: dict[tuple[str, date], Any] = {}
        for name, geometry in items:
            key = registry.resolve(name, day)
            shapes[key] = unary_union([shapes[key], shape(geometry)]) if key in shapes else shape(geometry)
        if len(shapes) != expected:
            raise SourceFormatError(f"{era}-province list: {len(shapes)} provinces found, expected {expected}")
        for (code, valid_from), geometry in sorted(shapes.items()):
            simple = geometry.simplify(TOLERANCE, preserve_topology=True)
            features.append({"type": "Feature", "id": f"{code}@{valid_from}",
                             "properties": {"code": code, "valid_from": valid_from.isoformat(), "era": era,
                                            "name": registry.name((code, valid_from))},
                             "geometry": _rounded(mapping(simple))})
    return {"type": "FeatureCollection", "source": SOURCE, "features": features}


def _rounded(geometry: Any) -> Any:
    if isinstance(geometry, dict):
        return {k: _rounded(v) for k, v in geometry.items()}
    if isinstance(geometry, (list, tuple)):
        if geometry and isinstance(geometry[0], float):
            return [round(c, DECIMALS) for c in geometry]
        return [_rounded(v) for v in geometry]
    return geometry


def write_boundaries(collection: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
