"""Charts of units below the province: the commune map and a unit's own index over the years. Text from the data
reaches the chart escaped (``plain.html``).

The map is a scatter of longitude and latitude on axes of equal scale (no base map: none could be fetched
offline anyway). Drawn as SVG, the country's 3,321 points are interactive sooner than the same points on a
MapLibre canvas, whose WebGL start dominates on a machine without a GPU."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from indicators.domain.plain import html as h
from indicators.i18n import format_number, label

KIND_COLOURS = {"commune": "#4c78a8", "ward": "#f58518", "special_zone": "#54a24b", "township": "#b279a2"}


def commune_map(points: pd.DataFrame, lang: str = "vi", values: pd.Series | None = None,
                value_title: str = "") -> go.Figure:
    """One point per unit, sized by its area; coloured by ``values`` (aligned with ``points``; grey where a
    unit has none) when given, else by kind. ``white-bg``: boundaries and tiles are not fetched."""
    area = points.area_km2.fillna(points.area_km2.median() if points.area_km2.notna().any() else 10.0)
    size = [max(4.0, min(22.0, 1.6 * math.sqrt(a))) for a in area]
    names = [h(f"{n} ({c})") for n, c in zip(points.name, points.code)]
    traces: list[dict[str, Any]] = []
    no_figure, area_word = label("no_figure", lang), label("col_area", lang)
    if values is not None and values.notna().any():
        shown = values.to_numpy(dtype=float)
        text = [f"{n}<br>{h(value_title)}: {format_number(v, 2, lang) if v == v else no_figure}"
                f"<br>{area_word}: {format_number(a, 2, lang)}" for n, v, a in zip(names, shown, area)]
        has = ~pd.isna(shown)
        for part, marker, name in (
                (~has, {"color": "#bdbdbd", "opacity": 0.6}, no_figure),
                (has, {"color": list(shown[has]), "colorscale": "Viridis", "showscale": True,
                       "colorbar": {"title": {"text": h(value_title)}}}, h(value_title))):
            if part.any():
                traces.append({"type": "scatter", "x": list(points.lon[part]), "y": list(points.lat[part]),
                               "mode": "markers", "marker": {"size": [s for s, k in zip(size, part) if k], **marker},
                               "text": [x for x, k in zip(text, part) if k], "hoverinfo": "text", "name": name})
    else:
        for kind, colour in KIND_COLOURS.items():
            part = points.kind == kind
            if not part.any():
                continue
            text = [f"{n}<br>{area_word}: {format_number(a, 2, lang)}"
                    for n, a in zip([x for x, keep in zip(names, part) if keep], area[part])]
            traces.append({"type": "scatter", "x": list(points.lon[part]), "y": list(points.lat[part]),
                           "mode": "markers", "marker": {"size": [s for s, keep in zip(size, part) if keep],
                                                         "color": colour, "opacity": 0.75},
                           "text": text, "hoverinfo": "text", "name": label(f"kind_{kind}", lang)})
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    # a degree of longitude is cos(latitude) of a degree of latitude: so many pixels more per degree of latitude
    ratio = 1 / math.cos(math.radians(float(points.lat.mean()))) if len(points) else 1.0
    layout = {"title": {"text": label("commune_map", lang)}, "height": 640,
              "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
              "xaxis": axis, "yaxis": {**axis, "scaleanchor": "x", "scaleratio": ratio},
              "plot_bgcolor": "white", "legend": {"orientation": "h"}, "hovermode": "closest"}
    return go.Figure(data=traces, layout=layout)


def index_history(totals: pd.DataFrame, unit_name: str, lang: str = "vi") -> go.Figure:
    """A unit's own CCHC index over the years: appraised and self-assessed points."""
    traces = []
    for stage, colour, name in (("appraised", "#1f77b4", label("stage_appraised", lang)),
                                ("self", "#aec7e8", label("stage_self", lang))):
        part = totals[totals.stage == stage].sort_values("year")
        if len(part):
            traces.append({"type": "scatter", "mode": "lines+markers", "x": list(part.year), "y": list(part.points),
                           "name": name, "line": {"color": colour}})
    layout = {"title": {"text": h(unit_name)}, "height": 360, "xaxis": {"dtick": 1},
              "yaxis": {"title": {"text": label("col_points", lang)}}, "margin": {"l": 50, "r": 20, "t": 50, "b": 40}}
    return go.Figure(data=traces, layout=layout)
