"""Charts: pure functions from frames (see views.py) to Plotly figures. No Streamlit, no database.

Every trace carries its source in the hover text, missing figures stay gaps (never zeros), and
labels and numbers follow the language asked for.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .i18n import format_number

STATUS_COLOURS = {"achieved": "#1a9850", "on_track": "#91cf60", "at_risk": "#fdae61", "off_track": "#d73027",
                  "not_due": "#bdbdbd", "no_data": "#f0f0f0"}
QUARTILE_COLOURS = {1: "#1a9850", 2: "#a6d96a", 3: "#fdae61", 4: "#d73027"}  # PAPI-style: green best
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
_TEXT = {
    "mean": {"vi": "Trung bình cả nước", "en": "National mean"},
    "best": {"vi": "Cao nhất cả nước", "en": "National best"},
    "target": {"vi": "Mục tiêu", "en": "Target"},
    "trajectory": {"vi": "Lộ trình thẳng tới mục tiêu", "en": "Straight path to the target"},
    "source": {"vi": "Nguồn", "en": "Source"},
    "year": {"vi": "Năm", "en": "Year"},
    "rank": {"vi": "Thứ hạng", "en": "Rank"},
    "quartile": {"vi": "Nhóm {q}", "en": "Quartile {q}"},
    "no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "best_province": {"vi": "Tỉnh cao nhất", "en": "Best province"},
    "method": {"vi": "đổi phương pháp từ {year}", "en": "method changed in {year}"},
}


def t(key: str, lang: str, **values: Any) -> str:
    text = _TEXT[key]["vi" if lang == "vi" else "en"]
    return text.format(**values) if values else text


def _layout(fig: go.Figure, title: str, lang: str, height: int = 380) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=40, r=20, t=60, b=40),
                      legend=dict(orientation="h", yanchor="top", y=-0.15),
                      separators=",." if lang == "vi" else ".,", template="plotly_white")
    return fig


def _with_breaks(rows: pd.DataFrame, breaks: list[int]) -> pd.DataFrame:
    """Insert a blank point before each method-change year so the line is not drawn across it."""
    if not breaks or rows.empty:
        return rows
    gaps = [pd.DataFrame({"year": [b - 0.5], "value": [None], "period": [""], "source": [""]}) for b in breaks
            if rows.year.min() < b <= rows.year.max()]
    return pd.concat([rows, *gaps], ignore_index=True).sort_values("year") if gaps else rows


def trend_chart(series: pd.DataFrame, targets: pd.DataFrame, references: pd.DataFrame,
                indicator: pd.Series, lang: str = "vi", breaks: list[int] | None = None) -> go.Figure:
    """Actual lines (one per province label), targets at their deadline, straight paths, reference lines.
    A method change (``breaks``: first year of the new method) cuts the lines and is marked."""
    breaks = [int(b) for b in (breaks or [])]
    fig = go.Figure()
    name = indicator.name_vi if lang == "vi" else indicator.name_en
    decimals = int(indicator.decimals)
    for i, (label, rows) in enumerate(series.groupby("label", sort=False)):
        rows = _with_breaks(rows, breaks)
        fig.add_trace(go.Scatter(
            x=rows.year, y=rows.value, mode="lines+markers", name=label, connectgaps=False,
            line=dict(color=PALETTE[i % len(PALETTE)], width=3),
            text=[f"{label} · {p}: {format_number(v, decimals, lang)}<br>{t('source', lang)}: {s}"
                  for p, v, s in zip(rows.period, rows.value, rows.source)],
            hoverinfo="text"))
    for line, dash in (("mean", "dot"), ("best", "dash")):
        ref = references[references.line == line] if not references.empty else references
        if ref is None or ref.empty:
            continue
        ref = _with_breaks(ref.assign(year=pd.to_datetime(ref.period_end).dt.year), breaks)
        fig.add_trace(go.Scatter(
            x=ref.year, y=ref.value, mode="lines+markers", name=t(line, lang), connectgaps=False,
            line=dict(color="#636363", dash=dash, width=1.5), marker=dict(size=5),
            text=[f"{t(line, lang)} {p}: {format_number(v, decimals, lang)}"
                  + (f" ({n})" if isinstance(n, str) else "") + f"<br>{t('source', lang)}: {s}"
                  for p, v, n, s in zip(ref.period, ref.value, ref.province_name, ref.source)],
            hoverinfo="text"))
    for _, target in targets.iterrows():
        _add_target(fig, target, decimals, lang)
    for year in breaks:
        fig.add_vline(x=year - 0.5, line=dict(color="#969696", dash="dot"),
                      annotation_text=t("method", lang, year=year), annotation_position="top left")
    if indicator.unit in ("rank", "tier"):
        fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(dtick=1, title=t("year", lang))
    return _layout(fig, name, lang)


def _add_target(fig: go.Figure, target: pd.Series, decimals: int, lang: str) -> None:
    deadline = int(str(target.deadline_period)[:4])
    start = int(str(target.start_period)[:4])
    label = f"{t('target', lang)} {target.target_id}: {target.requirement if 'requirement' in target else ''}"
    hover = f"{target.target_id} ({target.plan_number})<br>{_wrap(target.source_quote)}"
    if target.comparator == "between":
        fig.add_trace(go.Scatter(x=[deadline, deadline], y=[target.target_value, target.target_high], mode="lines",
                                 line=dict(color="#d73027", width=10), opacity=0.5, name=label,
                                 text=[hover, hover], hoverinfo="text"))
    elif bool(target.recurring):
        fig.add_trace(go.Scatter(x=[start, deadline], y=[target.target_value] * 2, mode="lines",
                                 line=dict(color="#d73027", dash="longdash", width=2), name=label,
                                 text=[hover, hover], hoverinfo="text"))
    else:
        fig.add_trace(go.Scatter(x=[deadline], y=[target.target_value], mode="markers", name=label,
                                 marker=dict(symbol="star", size=16, color="#d73027"), text=[hover], hoverinfo="text"))
    if pd.notna(target.get("baseline_value")) and isinstance(target.get("baseline_period"), str):
        base_year = int(target.baseline_period[-4:])
        fig.add_trace(go.Scatter(x=[base_year, deadline], y=[target.baseline_value, target.target_value],
                                 mode="lines", line=dict(color="#d73027", dash="dot", width=1.5),
                                 name=t("trajectory", lang), hoverinfo="skip"))


def _wrap(text: str, width: int = 70) -> str:
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if len(line) + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def spider_chart(dimensions: pd.DataFrame, province_name: str, year: int, lang: str = "vi") -> go.Figure:
    """PAPI dimensions of a province against the best score of each dimension that year."""
    names = list(dimensions.name_vi if lang == "vi" else dimensions.name_en)
    fig = go.Figure()
    fig.add_trace(go.Scatterpolar(r=list(dimensions.best) + [dimensions.best.iloc[0]], theta=names + [names[0]],
                                  name=t("best", lang), line=dict(color="#636363", dash="dash"),
                                  text=[f"{n}: {format_number(v, 2, lang)} ({p})" for n, v, p in
                                        zip(names, dimensions.best, dimensions.best_province)] + [""],
                                  hoverinfo="text"))
    values = [None if pd.isna(v) else v for v in dimensions.value]
    fig.add_trace(go.Scatterpolar(r=values + [values[0]], theta=names + [names[0]], name=province_name, fill="toself",
                                  line=dict(color=PALETTE[0], width=3),
                                  text=[f"{n}: {format_number(v, 2, lang)}" for n, v in zip(names, values)] + [""],
                                  hoverinfo="text"))
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, 10])))
    return _layout(fig, f"PAPI {year}", lang, height=460)


def small_multiples(frames: dict[str, pd.DataFrame], titles: dict[str, str], lang: str = "vi",
                    columns: int = 2) -> go.Figure:
    """One small chart per indicator, one line per province (same colour across panels)."""
    codes = list(frames)
    rows = max(1, -(-len(codes) // columns))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[titles[c] for c in codes], vertical_spacing=0.12)
    colours: dict[str, str] = {}
    for i, code in enumerate(codes):
        for label, part in frames[code].groupby("label", sort=False):
            colour = colours.setdefault(label, PALETTE[len(colours) % len(PALETTE)])
            fig.add_trace(go.Scatter(x=part.year, y=part.value, mode="lines+markers", name=label, legendgroup=label,
                                     showlegend=label not in [tr.name for tr in fig.data],
                                     line=dict(color=colour),
                                     text=[f"{label} · {p}: {format_number(v, 2, lang)}<br>{t('source', lang)}: {s}"
                                           for p, v, s in zip(part.period, part.value, part.source)],
                                     hoverinfo="text"), row=i // columns + 1, col=i % columns + 1)
    return _layout(fig, "", lang, height=300 * rows)


def rank_chart(ranks: pd.DataFrame, title: str, lang: str = "vi") -> go.Figure:
    """Rank over the years, one line per province, 1 at the top."""
    fig = go.Figure()
    for i, (label, part) in enumerate(ranks.groupby("label", sort=False)):
        fig.add_trace(go.Scatter(x=part.year, y=part.value, mode="lines+markers+text", name=label,
                                 text=[format_number(v, 0, lang) for v in part.value], textposition="top center",
                                 line=dict(color=PALETTE[i % len(PALETTE)], width=3),
                                 hovertext=[f"{label} · {p}: {t('rank', lang)} {int(v)}<br>{t('source', lang)}: {s}"
                                            for p, v, s in zip(part.period, part.value, part.source)],
                                 hoverinfo="text"))
    fig.update_yaxes(autorange="reversed", title=t("rank", lang))
    fig.update_xaxes(dtick=1)
    return _layout(fig, title, lang)


def ranking_bar(rows: pd.DataFrame, indicator: pd.Series, thresholds: pd.DataFrame,
                highlight: set[str], lang: str = "vi") -> go.Figure:
    """Every province's figure, best on top, coloured by quartile, with the selected plan's target line."""
    decimals = int(indicator.decimals)
    ordered = rows.iloc[::-1]
    colours = [QUARTILE_COLOURS[q] for q in ordered.quartile]
    outline = ["#000000" if f in highlight else "rgba(0,0,0,0)" for f in ordered.feature_id]
    fig = go.Figure(go.Bar(
        x=ordered.value, y=ordered.province_name, orientation="h",
        marker=dict(color=colours, line=dict(color=outline, width=3)),
        text=[format_number(v, decimals, lang) for v in ordered.value], textposition="outside",
        hovertext=[f"{n}: {format_number(v, decimals, lang)} · {t('quartile', lang, q=q)}<br>{t('source', lang)}: {s}"
                   for n, v, q, s in zip(ordered.province_name, ordered.value, ordered.quartile, ordered.source)],
        hoverinfo="text", showlegend=False))
    for _, target in thresholds.iterrows():
        fig.add_vline(x=target.target_value, line=dict(color="#d73027", dash="dash", width=2),
                      annotation_text=f"{t('target', lang)} {target.target_id}", annotation_position="top")
    if indicator.unit in ("rank", "tier"):
        fig.update_xaxes(autorange="reversed")
    elif not rows.empty:
        low, high = float(rows.value.min()), float(rows.value.max())
        values = [low, high] + [float(v) for v in thresholds.target_value]
        spread = (max(values) - min(values)) or 1.0
        fig.update_xaxes(range=[max(min(values) - 0.15 * spread, float(indicator.min_value)), max(values) + 0.08 * spread])
    name = indicator.name_vi if lang == "vi" else indicator.name_en
    return _layout(fig, name, lang, height=max(400, 18 * len(rows) + 120))


def choropleth(rows: pd.DataFrame, geojson: dict[str, Any], era: str, indicator: pd.Series,
               lang: str = "vi") -> go.Figure:
    """Provinces of one list (63 or 34) coloured by quartile; provinces without a figure stay grey."""
    features = [f for f in geojson["features"] if f["properties"]["era"] == era]
    collection = {"type": "FeatureCollection", "features": features}
    decimals = int(indicator.decimals)
    by_feature = rows.set_index("feature_id") if not rows.empty else rows
    ids = [f["id"] for f in features]
    quartiles, hover = [], []
    for feature in features:
        fid, name = feature["id"], feature["properties"]["name"]
        if not rows.empty and fid in by_feature.index:
            r = by_feature.loc[fid]
            quartiles.append(int(r.quartile))
            hover.append(f"{name}: {format_number(r.value, decimals, lang)} · {t('quartile', lang, q=int(r.quartile))}")
        else:
            quartiles.append(0)
            hover.append(f"{name}: {t('no_data', lang)}")
    bands = ["#d9d9d9"] + [QUARTILE_COLOURS[q] for q in (1, 2, 3, 4)]  # 0 = no figure
    scale = [pair for i, colour in enumerate(bands) for pair in ([i / 5, colour], [(i + 1) / 5, colour])]
    # Choroplethmap with the "white-bg" style draws the boundaries alone: no tiles and no base map
    # are fetched, so the map works on a machine without internet.
    fig = go.Figure(go.Choroplethmap(geojson=collection, locations=ids, z=quartiles, featureidkey="id",
                                     zmin=-0.5, zmax=4.5, colorscale=scale, showscale=False, text=hover,
                                     hoverinfo="text", marker_line_color="white", marker_line_width=0.5))
    fig.update_layout(map=dict(style="white-bg", center=dict(lat=16.0, lon=106.0), zoom=4.3))
    name = indicator.name_vi if lang == "vi" else indicator.name_en
    return _layout(fig, name, lang, height=720)


def status_bar(counts: dict[str, int], labels: dict[str, str], lang: str = "vi") -> go.Figure:
    """One stacked bar of target statuses, in the status colours."""
    fig = go.Figure()
    for status, n in counts.items():
        fig.add_trace(go.Bar(x=[n], y=[""], orientation="h", name=f"{labels[status]} ({n})",
                             marker_color=STATUS_COLOURS[status], hoverinfo="name"))
    fig.update_layout(barmode="stack", xaxis=dict(visible=False), yaxis=dict(visible=False))
    return _layout(fig, "", lang, height=140)
