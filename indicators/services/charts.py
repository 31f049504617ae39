"""Charts: pure functions from frames (see views.py) to Plotly figures. No Streamlit, no database.

Every trace carries its source in the hover text, missing figures stay gaps (never zeros), and
labels and numbers follow the language asked for. Figures are assembled from plain trace and
layout dicts and validated once by ``go.Figure`` (ten times faster than ``add_trace`` per trace),
which keeps a page rerun within its time budget.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from indicators.domain.periods import position
from indicators.domain.plain import html as h
from indicators.domain.scorecard import requirement_words
from indicators.i18n import format_number, in_language, label
from indicators.services.chart_lines import line_points, year_axis

STATUS_COLOURS = {"achieved": "#1a9850", "on_track": "#4575b4", "at_risk": "#fdae61", "off_track": "#d73027",
                  "missed": "#7f0000", "not_due": "#bdbdbd", "no_data": "#f0f0f0"}
QUARTILE_COLOURS = {1: "#1a9850", 2: "#a6d96a", 3: "#fdae61", 4: "#d73027"}  # PAPI-style: green best
PUBLISHED_COLOUR = "#4575b4"   # a figure of a partial year, where no quartile is derived
MISSING_COLOUR = "#d9d9d9"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
TARGET_COLOUR = "#d73027"


FONT_SIZE = 13      # the charts' base type (px); titles are drawn larger by Plotly, every other text at this size
MIN_TEXT = 12       # no text of a chart is drawn smaller: a bar's label that would need to shrink below it is hidden
BAR_ROW = 24        # px per province in a ranking bar chart: room for a MIN_TEXT label inside each bar


def _layout(title: str, lang: str, height: int = 380, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": h(title)}, "height": height, "margin": {"l": 40, "r": 20, "t": 60, "b": 40},
            "font": {"size": FONT_SIZE}, "uniformtext": {"minsize": MIN_TEXT, "mode": "hide"},
            "legend": {"orientation": "h", "yanchor": "top", "y": -0.22},
            "separators": ",." if lang == "vi" else ".,", **extra}


def _vline(x: float, colour: str, dash: str, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    shape = {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
             "line": {"color": colour, "dash": dash, "width": 2}}
    note = {"xref": "x", "yref": "paper", "x": x, "y": 1.02, "text": text, "showarrow": False,
            "xanchor": "left", "font": {"color": colour}}
    return shape, note


DENSE = 40  # points in a line above which it is drawn without markers (hover still names every point)


def _placed(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``x``, each period's place on the axis of years (see periods.position), in that order.
    The views' series come placed and ordered already (and cached), so this is usually a check."""
    if "x" not in rows:
        rows = rows.assign(x=[position(p) for p in rows.period])
    return rows if rows.x.is_monotonic_increasing else rows.sort_values("x", kind="stable")


def _mode(rows: pd.DataFrame) -> str:
    return "lines" if len(rows) > DENSE else "lines+markers"


def _with_gaps(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` placed on the axis, with a blank point in each year without a figure between yearly figures, so
    that no line is drawn across a year that has none (a line across it would pass for a figure)."""
    rows = _placed(rows)
    if rows.empty or not rows.period.astype(str).str.fullmatch(r"\d{4}").all():
        return rows
    years = set(rows.x.astype(int))
    gaps = [y for y in range(int(rows.x.min()) + 1, int(rows.x.max())) if y not in years]
    if not gaps:
        return rows
    blank = pd.DataFrame({"x": gaps, "value": [None] * len(gaps), "period": [""] * len(gaps),
                          "source": [""] * len(gaps)})
    return pd.concat([rows, blank], ignore_index=True).sort_values("x", kind="stable")


def _with_breaks(rows: pd.DataFrame, breaks: list[int]) -> pd.DataFrame:
    """``rows`` placed on the axis, with a blank point before each method-change year so the line is not drawn
    across it (and in each year without a figure, see _with_gaps)."""
    rows = _with_gaps(rows)
    if not breaks or rows.empty:
        return rows
    gaps = [pd.DataFrame({"x": [b - 0.5], "value": [None], "period": [""], "source": [""]}) for b in breaks
            if rows.x.min() < b <= rows.x.max()]
    return pd.concat([rows, *gaps], ignore_index=True).sort_values("x") if gaps else rows


def _values(series: pd.Series) -> list[Any]:
    return [None if pd.isna(v) else float(v) for v in series]


def trend_chart(series: pd.DataFrame, targets: pd.DataFrame, references: pd.DataFrame,
                indicator: pd.Series, lang: str = "vi", breaks: list[int] | None = None) -> go.Figure:
    """Actual lines (one per province label), targets at their deadline, straight paths, reference lines.
    A method change (``breaks``: first year of the new method) cuts the lines and is marked."""
    breaks = [int(b) for b in (breaks or [])]
    decimals = int(indicator.decimals)
    source = label("chart_source", lang)
    traces: list[dict[str, Any]] = []
    for i, (shown, rows) in enumerate(series.groupby("label", sort=False)):
        rows = _with_breaks(rows, breaks)
        traces.append({"type": "scatter", "x": rows.x.tolist(), "y": _values(rows.value), "mode": _mode(rows),
                       "name": h(shown), "connectgaps": False,
                       "line": {"color": PALETTE[i % len(PALETTE)], "width": 3},
                       "text": [f"{h(shown)} · {p}: {format_number(v, decimals, lang)}<br>{source}: {h(s)}"
                                if p else "" for p, v, s in zip(rows.period, rows.value, rows.source)],
                       "hoverinfo": "text"})
    for line, dash, words in (("mean", "dot", label("chart_mean", lang)), ("best", "dash", label("chart_best", lang))):
        ref = references[references.line == line] if not references.empty else references
        if ref.empty:
            continue
        ref = _with_breaks(ref, breaks)
        traces.append({"type": "scatter", "x": ref.x.tolist(), "y": _values(ref.value), "mode": _mode(ref),
                       "name": words, "connectgaps": False,
                       "line": {"color": "#636363", "dash": dash, "width": 1.5}, "marker": {"size": 5},
                       "text": [f"{words} {p}: {format_number(v, decimals, lang)}"
                                + (f" ({h(n)})" if isinstance(n, str) else "") + f"<br>{source}: {h(s)}"
                                if p else "" for p, v, n, s in zip(ref.period, ref.value, ref.province_name,
                                                                   ref.source)],
                       "hoverinfo": "text"})
    for _, target in targets.iterrows():
        traces.extend(_target_traces(target, lang))
    shapes, notes = [], []
    for year in breaks:
        shape, note = _vline(year - 0.5, "#969696", "dot", label("chart_method", lang, year=year))
        shapes.append(shape)
        notes.append(note)
    name = in_language(indicator, "name", lang)
    yaxis = {"autorange": "reversed"} if indicator.unit in ("rank", "tier") else {}
    layout = _layout(name, lang, shapes=shapes, annotations=notes, yaxis=yaxis,
                     xaxis={"dtick": 1, "title": {"text": label("chart_year", lang)}})
    return go.Figure(data=traces, layout=layout)


def indicator_trend(series: pd.DataFrame, targets: pd.DataFrame, references: pd.DataFrame, indicator: pd.Series,
                    changes: pd.DataFrame, lang: str = "vi") -> go.Figure:
    """The trend chart of one indicator as the profile page and the report draw it: the plans' targets written as
    their requirement, cut at the indicator's method changes."""
    targets = targets.copy()
    targets["requirement"] = [requirement_words(r, lang) for _, r in targets.iterrows()]
    return trend_chart(series, targets, references, indicator, lang, breaks=list(changes.from_year))


def _target_traces(target: pd.Series, lang: str) -> list[dict[str, Any]]:
    deadline = int(str(target.deadline_period)[:4])
    start = int(str(target.start_period)[:4])
    requirement = target.requirement if "requirement" in target else requirement_words(target, lang)
    name = h(label("chart_target", lang) + f" {target.target_id}: {requirement}")
    hover = f"{h(target.target_id)} ({h(target.plan_number)})<br>{_wrap(target.source_quote)}"
    if target.comparator == "between":
        traces = [{"type": "scatter", "x": [deadline, deadline], "y": [target.target_value, target.target_high],
                   "mode": "lines", "line": {"color": TARGET_COLOUR, "width": 10}, "opacity": 0.5, "name": name,
                   "text": [hover, hover], "hoverinfo": "text"}]
    elif bool(target.recurring):
        traces = [{"type": "scatter", "x": [start, deadline], "y": [target.target_value] * 2, "mode": "lines",
                   "line": {"color": TARGET_COLOUR, "dash": "longdash", "width": 2}, "name": name,
                   "text": [hover, hover], "hoverinfo": "text"}]
    else:
        traces = [{"type": "scatter", "x": [deadline], "y": [target.target_value], "mode": "markers", "name": name,
                   "marker": {"symbol": "star", "size": 16, "color": TARGET_COLOUR}, "text": [hover],
                   "hoverinfo": "text"}]
    if pd.notna(target.get("baseline_value")) and isinstance(target.get("baseline_period"), str):
        base_year = int(target.baseline_period[-4:])
        traces.append({"type": "scatter", "x": [base_year, deadline], "y": [target.baseline_value, target.target_value],
                       "mode": "lines", "line": {"color": TARGET_COLOUR, "dash": "dot", "width": 1.5},
                       "name": label("chart_trajectory", lang), "hoverinfo": "skip"})
    return traces


def _wrap(text: str, width: int = 70) -> str:
    """``text`` as Plotly text (escaped), broken into lines of about ``width`` characters."""
    words, lines, line = h(text).split(), [], ""
    for word in words:
        if len(line) + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def spider_chart(dimensions: pd.DataFrame, province_name: str, year: int, lang: str = "vi") -> go.Figure:
    """PAPI dimensions of a province against those of the best province (highest total) that year."""
    names = list(in_language(dimensions, "name", lang))
    best = _values(dimensions.best)
    values = _values(dimensions.value)
    traces = [
        {"type": "scatterpolar", "r": best + best[:1], "theta": names + names[:1],
         "name": (label("chart_best_province", lang) + f": {h(dimensions.best_province.iloc[0])}" if len(dimensions)
                  else label("chart_best", lang)),
         "line": {"color": "#636363", "dash": "dash"}, "hoverinfo": "text",
         "text": [f"{n}: {format_number(v, 2, lang)} ({h(p)})" for n, v, p in
                  zip(names, best, dimensions.best_province)] + [""]},
        {"type": "scatterpolar", "r": values + values[:1], "theta": names + names[:1], "name": h(province_name),
         "fill": "toself", "line": {"color": PALETTE[0], "width": 3}, "hoverinfo": "text",
         "text": [f"{n}: {format_number(v, 2, lang)}" for n, v in zip(names, values)] + [""]},
    ]
    return go.Figure(data=traces, layout=_layout(f"PAPI {year}", lang, height=460,
                                                 polar={"radialaxis": {"range": [0, 10]}}))


def small_multiples(frames: dict[str, pd.DataFrame], titles: dict[str, str], lang: str = "vi",
                    columns: int = 2, breaks: dict[str, list[int]] | None = None) -> go.Figure:
    """One small chart per indicator, one line per province (same colour across panels). An indicator whose frame
    is empty gets no panel (the page says so in words); a method change (``breaks``: code → first years of the new
    method) cuts the panel's lines and is marked."""
    codes = [code for code in frames if not frames[code].empty]
    rows = max(1, -(-len(codes) // columns))
    gap_x, gap_y = 0.08, 0.12 / max(rows - 1, 1) if rows > 1 else 0.0
    width = (1 - gap_x * (columns - 1)) / columns
    height = (1 - gap_y * (rows - 1)) / rows
    layout = _layout("", lang, height=300 * rows)
    source = label("chart_source", lang)
    notes, shapes, traces, colours, shown = [], [], [], {}, set()
    for i, code in enumerate(codes):
        row, col = i // columns, i % columns
        axis = "" if i == 0 else str(i + 1)
        x0 = col * (width + gap_x)
        y1 = 1 - row * (height + gap_y)
        lines = line_points(frames[code], (breaks or {}).get(code, []))
        xs = [x for points in lines.values() for x, *_ in points]
        cuts = sorted(int(b) for b in (breaks or {}).get(code, []) if min(xs) < b <= max(xs))
        layout[f"xaxis{axis}"] = {"domain": [_unit(x0), _unit(x0 + width)], "anchor": f"y{axis}", **year_axis(xs)}
        layout[f"yaxis{axis}"] = {"domain": [_unit(y1 - height), _unit(y1)], "anchor": f"x{axis}"}
        # a dotted line at each change, named under the panel's title (inside the panel the words would hide
        # figures, and a phone's panel is too narrow for them beside the line)
        words = label("chart_method", lang, year=", ".join(map(str, cuts)))
        shapes += [_vline(year - 0.5, "#969696", "dot", words)[0] | {"xref": f"x{axis}", "yref": f"y{axis} domain"}
                   for year in cuts]
        note = f"<br><span style='font-size:12px;color:#737373'>┆ {h(words)}</span>" if cuts else ""
        notes.append({"text": f"<b>{h(titles[code])}</b>{note}", "xref": "paper", "yref": "paper",
                      "x": x0 + width / 2, "y": y1, "yanchor": "bottom", "showarrow": False, "xanchor": "center"})
        for province, points in lines.items():
            colour = colours.setdefault(province, PALETTE[len(colours) % len(PALETTE)])
            traces.append({"type": "scatter", "x": [x for x, *_ in points], "y": [v for _, v, *_ in points],
                           "name": h(province), "mode": "lines" if len(points) > DENSE else "lines+markers",
                           "legendgroup": province, "showlegend": province not in shown,
                           "line": {"color": colour}, "xaxis": f"x{axis}", "yaxis": f"y{axis}", "hoverinfo": "text",
                           "connectgaps": False,
                           "text": [f"{h(province)} · {p}: {format_number(v, 2, lang)}<br>{source}: {h(s)}" if p
                                    else "" for _, v, p, s in points]})
            shown.add(province)
    layout["annotations"], layout["shapes"] = notes, shapes
    return go.Figure(data=traces, layout=layout)


def _unit(value: float) -> float:
    """A layout fraction, clear of floating-point spill outside [0, 1]."""
    return min(max(round(value, 6), 0.0), 1.0)


def rank_chart(ranks: pd.DataFrame, title: str, lang: str = "vi", breaks: list[int] | None = None) -> go.Figure:
    """Rank over the years, one line per province, 1 at the top; a method change (``breaks``: first years of the
    new method) cuts the lines and is marked."""
    lines = line_points(ranks, breaks or [])
    xs = [x for points in lines.values() for x, *_ in points]
    cuts = sorted(int(b) for b in (breaks or []) if xs and min(xs) < b <= max(xs))
    rank, source = label("chart_rank", lang), label("chart_source", lang)
    traces = [{"type": "scatter", "x": [x for x, *_ in points], "y": [v for _, v, *_ in points], "name": h(province),
               "mode": "lines" if len(points) > DENSE else "lines+markers",
               "line": {"color": PALETTE[i % len(PALETTE)], "width": 3}, "hoverinfo": "text", "connectgaps": False,
               "hovertext": [f"{h(province)} · {p}: {rank} {int(v)}<br>{source}: {h(s)}" if p else ""
                             for _, v, p, s in points]}
              for i, (province, points) in enumerate(lines.items())]
    marks = [_vline(year - 0.5, "#969696", "dot", label("chart_method", lang, year=year)) for year in cuts]
    layout = _layout(title, lang, yaxis={"autorange": "reversed", "title": {"text": rank}}, xaxis=year_axis(xs),
                     shapes=[shape for shape, _ in marks], annotations=[note for _, note in marks])
    return go.Figure(data=traces, layout=layout)


def ranking_bar(rows: pd.DataFrame, indicator: pd.Series, thresholds: pd.DataFrame,
                highlight: set[str], lang: str = "vi") -> go.Figure:
    """Every province's figure, best on top, coloured by quartile, with the selected plan's target line."""
    decimals = int(indicator.decimals)
    source, target_word = label("chart_source", lang), label("chart_target", lang)
    ordered = rows.iloc[::-1]
    trace = {"type": "bar", "x": _values(ordered.value), "y": [h(n) for n in ordered.province_name], "orientation": "h",
             "marker": {"color": [QUARTILE_COLOURS.get(q, PUBLISHED_COLOUR) for q in ordered.quartile],
                        "line": {"color": ["#000000" if f in highlight else "rgba(0,0,0,0)"
                                           for f in ordered.feature_id],
                                 "width": 3}},
             "text": [format_number(v, decimals, lang) for v in ordered.value], "textposition": "inside",
             "insidetextanchor": "end", "textfont": {"color": "white"}, "constraintext": "none",  # never shrunk
             "hovertext": [f"{h(n)}: {format_number(v, decimals, lang)}"
                           + (" · " + label("chart_quartile", lang, q=q) if q else "")
                           + f"<br>{source}: {h(s)}" for n, v, q, s in
                           zip(ordered.province_name, ordered.value, ordered.quartile, ordered.source)],
             "hoverinfo": "text", "showlegend": False}
    shapes, notes = [], []
    for _, target in thresholds.iterrows():
        shape, note = _vline(float(target.target_value), TARGET_COLOUR, "dash", h(f"{target_word} {target.target_id}"))
        note["hovertext"] = h(f"{target_word} {target.target_id}: {requirement_words(target, lang)}")
        shapes.append(shape)
        notes.append(note)
    values = [float(v) for v in rows.value] + [float(v) for v in thresholds.target_value]
    name = in_language(indicator, "name", lang)
    name += f" · {rows.period.iloc[0]}" if not rows.empty else ""  # the year, or the month a monthly figure is of
    layout = _layout(name, lang, height=max(400, BAR_ROW * len(rows) + 140), shapes=shapes, annotations=notes,
                     xaxis=value_axis(indicator, values))
    return go.Figure(data=[trace], layout=layout)


def value_axis(indicator: pd.Series, values: list[float]) -> dict[str, Any]:
    """The value axis of a bar chart, from a meaningful origin: the scale's own minimum (``min_value`` in
    data/indicators.yaml, e.g. PAPI's 6) or 0, never the lowest figure, so that a bar's length reads as its figure;
    a rank (or tier) axis runs from 1, the best, on the right (bars grow leftwards), with 1 as its first tick."""
    values = [v for v in values if pd.notna(v)]
    ranked = indicator.unit in ("rank", "tier")
    low = 1.0 if ranked else float(indicator.min_value) if pd.notna(indicator.get("min_value")) else 0.0
    low = min([low, *values])
    high = max([low + 1.0, *values])
    step = _tick_step(high - low)
    ticks = [low] + [t * step for t in range(int(low // step) + 1, int(high // step) + 1) if t * step - low >= step / 2]
    span = [high + 0.5, 0] if ranked else [low, high + 0.05 * (high - low)]
    return {"range": span, "tickmode": "array", "tickvals": ticks}


def _tick_step(span: float) -> float:
    """1, 2 or 5 times a power of ten, giving about five ticks over ``span``."""
    raw = span / 5 or 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def choropleth(rows: pd.DataFrame, geojson: dict[str, Any], era: str, indicator: pd.Series,
               lang: str = "vi", missing: str | None = None) -> go.Figure:
    """Provinces of one list (63 or 34) coloured by quartile; in a partial year (quartile 0) the published ones
    in one colour; provinces without a figure stay grey. A stepped colour bar names the bands; the subtitle says
    why the grey ones have no figure (``missing``: the absence in words), when it is known."""
    features = [f for f in geojson["features"] if f["properties"]["era"] == era]
    decimals = int(indicator.decimals)
    found = {fid: (v, q) for fid, v, q in zip(rows.feature_id, rows.value, rows.quartile)} if not rows.empty else {}
    missing = missing or label("chart_no_data", lang)
    ids, bands, hover = [], [], []
    for feature in features:
        fid, name = feature["id"], feature["properties"]["name"]
        ids.append(fid)
        if fid in found:
            value, quartile = found[fid]
            bands.append(int(quartile) or 5)
            hover.append(f"{h(name)}: {format_number(value, decimals, lang)}"
                         + (" · " + label("chart_quartile", lang, q=int(quartile)) if quartile else ""))
        else:
            bands.append(0)
            hover.append(f"{h(name)}: " + h(missing))
    # the bands drawn, each one step of a colour bar: the provinces without a figure at the bottom, the best on top
    colours = {**QUARTILE_COLOURS, 5: PUBLISHED_COLOUR, 0: MISSING_COLOUR}
    order = [band for band in (0, 5, 4, 3, 2, 1) if band in bands] or [0]
    scale = [pair for i, band in enumerate(order)
             for pair in ([i / len(order), colours[band]], [(i + 1) / len(order), colours[band]])]
    names = {q: label("chart_quartile", lang, q=q) for q in (1, 2, 3, 4)} | {
        5: label("chart_published_only", lang), 0: label("chart_no_data", lang)}
    colour_bar = {"title": {"text": h(label("chart_bands", lang)), "side": "top"}, "tickmode": "array",
                  "tickvals": list(range(len(order))), "ticktext": [h(names[band]) for band in order],
                  "thickness": 14, "outlinewidth": 0, "xpad": 4}
    # Choroplethmap with the "white-bg" style draws the boundaries alone: no tiles and no base map
    # are fetched, so the map works on a machine without internet.
    traces = [{"type": "choroplethmap", "geojson": {"type": "FeatureCollection", "features": features},
               "locations": ids, "z": [order.index(band) for band in bands], "featureidkey": "id", "zmin": -0.5,
               "zmax": len(order) - 0.5, "colorscale": scale, "showscale": True, "colorbar": colour_bar,
               "text": hover, "hoverinfo": "text", "showlegend": False,
               "marker": {"line": {"color": "white", "width": 0.5}}}]
    layout = _layout(in_language(indicator, "name", lang), lang, height=720,
                     map={"style": "white-bg", "center": {"lat": 16.0, "lon": 106.0}, "zoom": 4.3})
    if 0 in bands and missing != label("chart_no_data", lang):  # why the grey provinces have none, under the title
        layout["title"]["subtitle"] = {"text": _wrap(label("chart_missing", lang, reason=missing), 48),
                                       "font": {"size": FONT_SIZE}}
        layout["margin"] = {**layout["margin"], "t": 100}
    return go.Figure(data=traces, layout=layout)


def status_bar(counts: dict[str, int], labels: dict[str, str], lang: str = "vi") -> go.Figure:
    """One stacked bar of target statuses, in the status colours."""
    traces = [{"type": "bar", "x": [n], "y": [""], "orientation": "h", "name": f"{labels[status]} ({n})",
               "marker": {"color": STATUS_COLOURS[status]}, "hoverinfo": "name"} for status, n in counts.items()]
    layout = _layout("", lang, height=140, barmode="stack", xaxis={"visible": False}, yaxis={"visible": False})
    return go.Figure(data=traces, layout=layout)
