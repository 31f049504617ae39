"""The points of a chart's lines and its axis of years, in plain Python (no Plotly objects): the compare page's
charts (charts.small_multiples, charts.rank_chart) draw a dozen lines on every rerun."""

from __future__ import annotations

from typing import Any

import pandas as pd

from indicators.domain.periods import position


def line_points(rows: pd.DataFrame, breaks: list[int]) -> dict[str, list[tuple[float, float | None, str, Any]]]:
    """Per label of ``rows`` (first seen first), its points ``(x, value, period, source)`` in the order of the axis,
    with a blank point in each year without a figure between yearly figures and before each method change within
    the line (as charts._with_gaps and _with_breaks make them). Plain Python: pandas' concat and sort per line
    made up most of a comparison's drawing time."""
    xs = rows.x if "x" in rows else [position(p) for p in rows.period]
    found: dict[str, list[tuple[float, float | None, str, Any]]] = {}
    for name, x, v, p, s in zip(rows.label, xs, rows.value, rows.period, rows.source):
        found.setdefault(name, []).append((float(x), None if pd.isna(v) else float(v), str(p), s))
    for points in found.values():
        points.sort(key=lambda point: point[0])
        first, last = points[0][0], points[-1][0]
        blanks = [b - 0.5 for b in breaks if first < b <= last]
        if all(len(p) == 4 and p.isascii() and p.isdigit() for _, _, p, _ in points):   # yearly figures only
            held = {int(x) for x, *_ in points}
            blanks += [float(y) for y in range(int(first) + 1, int(last)) if y not in held]
        if blanks:
            points += [(x, None, "", "") for x in blanks]
            points.sort(key=lambda point: point[0])
    return found


def year_axis(xs: list[float]) -> dict[str, Any]:
    """An axis of years: whole years written as plain integers (``tickformat`` "d": never an SI "2k" nor a
    thousands mark "2.011"), at most six ticks a step of 1, 2, 5 or 10 years apart, so that a phone's narrow
    panel stays readable."""
    if not xs:
        return {"tickformat": "d", "dtick": 1}
    first, last = int(min(xs)), int(max(xs))
    step = next((s for s in (1, 2, 5, 10) if (last - first) / s <= 5), 20)
    return {"tickformat": "d", "tick0": first, "dtick": step}
