"""Chart builders: pure functions from frames to Plotly figures."""

import json
from datetime import date

import pandas as pd

from indicators.domain.scorecard import requirement_text
from indicators.reference.loader import DATA_DIR
from indicators.services import charts
from indicators.services.comparisons import papi_dimensions, province_series, ranking, reference_lines, threshold_for
from indicators.services.views import scope

OLD = date(2004, 1, 1)


def test_trend_chart_draws_actuals_targets_and_reference_lines(ds):
    keys = scope(ds, ("42", OLD))
    targets = threshold_for(ds, keys, "papi_d2_transparency_rank").assign(requirement="rank <= 5")
    figure = charts.trend_chart(province_series(ds, keys, "papi_d2_transparency_rank"), targets,
                                reference_lines(ds, "papi_d2_transparency_rank"),
                                ds.indicator("papi_d2_transparency_rank"), "vi")
    names = [trace.name for trace in figure.data]
    assert names[0] == "Hà Tĩnh (đến 30/06/2025)"
    assert any(n.startswith("Mục tiêu HT239-03") for n in names)
    assert figure.layout.yaxis.autorange == "reversed"  # ranks: 1 on top
    assert "Nguồn: PAPI 2016" in figure.data[0].text[5]


def test_trend_chart_cuts_the_line_at_a_method_change(ds):
    series = province_series(ds, [("42", OLD)], "papi_total")
    figure = charts.trend_chart(series, series.iloc[:0], reference_lines(ds, "papi_total").iloc[:0],
                                ds.indicator("papi_total"), "en", breaks=[2018])
    xs = list(figure.data[0].x)
    assert 2017.5 in xs and figure.data[0].y[xs.index(2017.5)] is None
    assert figure.layout.shapes and figure.layout.annotations[0].text == "method changed in 2018"


def test_a_range_target_is_a_band_and_a_baseline_draws_the_straight_path(ds):
    target = ds.targets.set_index("target_id").loc[["HT239-33", "HT239-22"]].reset_index()
    target["requirement"] = [requirement_text(r) for _, r in target.iterrows()]
    figure = charts.trend_chart(pd.DataFrame(columns=["label", "year", "value", "period", "source"]), target,
                                reference_lines(ds, "sipas").iloc[:0], ds.indicator("online_services_level4_pct"))
    band = next(tr for tr in figure.data if "HT239-33" in tr.name)
    assert list(band.y) == [20.0, 30.0]
    path = [tr for tr in figure.data if tr.line.dash == "dot"]
    assert list(path[0].x) == [2015, 2021] and list(path[0].y) == [0.0, -10.0]


def test_numbers_follow_the_language(ds):
    rows = ranking(ds, "papi_total", 2024)
    vi = charts.ranking_bar(rows, ds.indicator("papi_total"), ds.targets.iloc[:0], set(), "vi")
    en = charts.ranking_bar(rows, ds.indicator("papi_total"), ds.targets.iloc[:0], set(), "en")
    assert vi.data[0].text[-1] == "47,82" and en.data[0].text[-1] == "47.82"
    assert vi.layout.separators == ",."


def test_ranking_bar_colours_by_quartile_and_marks_the_target(ds):
    rows = ranking(ds, "papi_d2_transparency_rank", 2020)
    targets = threshold_for(ds, [("42", OLD)], "papi_d2_transparency_rank")
    figure = charts.ranking_bar(rows, ds.indicator("papi_d2_transparency_rank"), targets, {"42@2004-01-01"}, "vi")
    assert set(figure.data[0].marker.color) == set(charts.QUARTILE_COLOURS.values())
    assert figure.layout.shapes[0].x0 == 5
    assert "#000000" in figure.data[0].marker.line.color


def test_choropleth_covers_the_list_of_the_year_and_greys_out_missing(ds):
    geo = json.loads((DATA_DIR / "geo" / "provinces.geojson").read_text(encoding="utf-8"))
    rows = ranking(ds, "papi_total", 2014)  # two provinces unpublished
    figure = charts.choropleth(rows, geo, "63", ds.indicator("papi_total"), "vi", missing="chưa công bố")
    trace = figure.data[0]
    ticks = list(trace.colorbar.ticktext)
    missing = ticks.index("Chưa có số liệu")
    assert len(trace.z) == 63 and list(trace.z).count(missing) == 2
    # the missing step is grey, at the bottom of the colour bar, the best quartile on top
    assert missing == 0 and trace.colorscale[0][1] == charts.MISSING_COLOUR and ticks[-1] == "Nhóm 1"
    assert len(charts.choropleth(rows.iloc[:0], geo, "34", ds.indicator("papi_total")).data[0].z) == 34


def test_the_map_has_a_title_and_a_colour_bar_that_names_its_bands(ds):
    geo = json.loads((DATA_DIR / "geo" / "provinces.geojson").read_text(encoding="utf-8"))
    rows = ranking(ds, "papi_total", 2014)
    figure = charts.choropleth(rows, geo, "63", ds.indicator("papi_total"), "en", missing="not published")
    trace = figure.data[0]
    assert figure.layout.title.text == "PAPI – total score"
    assert "No figure: not published" in figure.layout.title.subtitle.text  # why the grey provinces are grey
    assert trace.showscale and trace.colorbar.title.text == "Quartile (1: best)"
    assert list(trace.colorbar.ticktext) == ["No data", "Quartile 4", "Quartile 3", "Quartile 2",
                                             "Quartile 1"]
    assert list(trace.colorbar.tickvals) == [0, 1, 2, 3, 4] and (trace.zmin, trace.zmax) == (-0.5, 4.5)
    full = charts.choropleth(ranking(ds, "papi_total", 2024).iloc[:0], geo, "34", ds.indicator("papi_total"), "en")
    assert full.layout.title.subtitle.text is None  # no reason known: no subtitle, the hover says "no figure"


def _small_fonts(node, where: str = "") -> list[str]:
    """Every font size below 12 px set anywhere in a figure's JSON (layout, traces, annotations, colour bars)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and isinstance(value.get("size"), (int, float)) \
                    and value["size"] < 12:
                found.append(f"{where}.{key}={value['size']}")
            found += _small_fonts(value, f"{where}.{key}")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            found += _small_fonts(value, f"{where}[{i}]")
    return found


def test_no_chart_text_is_smaller_than_12_px(ds):
    geo = json.loads((DATA_DIR / "geo" / "provinces.geojson").read_text(encoding="utf-8"))
    keys = scope(ds, ("42", OLD))
    targets = threshold_for(ds, keys, "papi_d2_transparency_rank").assign(requirement="rank <= 5")
    series = province_series(ds, keys, "papi_total")
    figures = {
        "bars": charts.ranking_bar(ranking(ds, "papi_total", 2024), ds.indicator("papi_total"), targets, set()),
        "map": charts.choropleth(ranking(ds, "papi_total", 2014), geo, "63", ds.indicator("papi_total"), "vi", "x"),
        "trend": charts.trend_chart(series, series.iloc[:0], reference_lines(ds, "papi_total"),
                                    ds.indicator("papi_total"), "vi", breaks=[2018]),
        "status": charts.status_bar({"achieved": 2}, {"achieved": "Đã đạt"}),
        "spider": charts.spider_chart(papi_dimensions(ds, ("42", OLD), 2020), "Hà Tĩnh", 2020),
    }
    for name, figure in figures.items():
        layout = figure.layout
        assert layout.font.size >= 12 and layout.uniformtext.minsize == 12 and layout.uniformtext.mode == "hide", name
        assert _small_fonts(figure.to_plotly_json()) == [], name
    # a bar's figure is drawn inside it: each province's row is tall enough for 12 px text
    assert figures["bars"].layout.height >= charts.BAR_ROW * 61 and charts.BAR_ROW >= 20


def test_a_bar_chart_s_value_axis_starts_at_the_scale_s_minimum_never_mid_scale(ds):
    rows = ranking(ds, "papi_total", 2024)   # the lowest province has about 39: the axis starts at PAPI's 6
    axis = charts.ranking_bar(rows, ds.indicator("papi_total"), ds.targets.iloc[:0], set()).layout.xaxis
    assert rows.value.min() > 30 and axis.range[0] == 6 and axis.tickvals[0] == 6
    assert list(axis.tickvals[1:3]) == [20, 30]   # then round numbers, none crowding the origin
    scored = pd.Series({"unit": "pct", "min_value": None})
    assert charts.value_axis(scored, [41.0, 87.5])["range"][0] == 0 and charts.value_axis(scored, [41.0])[
        "tickvals"][0] == 0
    assert charts.value_axis(scored, [-3.0, 5.0])["range"][0] == -3   # a negative figure is never cut off


def test_a_rank_axis_starts_at_1(ds):
    rows = ranking(ds, "papi_d2_transparency_rank", 2020)
    axis = charts.ranking_bar(rows, ds.indicator("papi_d2_transparency_rank"), ds.targets.iloc[:0], set()).layout.xaxis
    assert axis.tickvals[0] == 1 and axis.range[1] == 0 and axis.range[0] > rows.value.max()  # 1 at the right


def test_spider_chart_closes_the_polygon(ds):
    dims = papi_dimensions(ds, ("42", OLD), 2020)
    figure = charts.spider_chart(dims, "Hà Tĩnh", 2020, "vi")
    assert len(figure.data) == 2 and len(figure.data[1].r) == len(dims) + 1


def test_small_multiples_give_each_province_one_colour(ds):
    keys = [("42", OLD), ("40", OLD)]
    frames = {c: province_series(ds, keys, c) for c in ("papi_total", "pci_total")}
    figure = charts.small_multiples(frames, {"papi_total": "PAPI", "pci_total": "PCI"})
    colours = {(tr.name, tr.line.color) for tr in figure.data}
    assert len(colours) == 2 and sum(tr.showlegend for tr in figure.data) == 2


def test_rank_chart_puts_rank_one_on_top(ds):
    figure = charts.rank_chart(province_series(ds, [("42", OLD)], "papi_total_rank"), "PAPI", "vi")
    assert figure.layout.yaxis.autorange == "reversed"


def test_status_bar_uses_the_status_colours():
    figure = charts.status_bar({"achieved": 2, "off_track": 1}, {"achieved": "Đã đạt", "off_track": "Chậm"})
    assert [tr.marker.color for tr in figure.data] == [charts.STATUS_COLOURS["achieved"],
                                                       charts.STATUS_COLOURS["off_track"]]


def _monthly(label: str, years: range) -> pd.DataFrame:
    periods = [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
    return pd.DataFrame({"label": label, "period": periods, "value": [float(i % 7) for i in range(len(periods))],
                         "source": "test"})


def test_monthly_figures_spread_across_their_year_instead_of_piling_up_on_it(ds):
    series = pd.concat([_monthly("A", range(2020, 2021)),
                        pd.DataFrame({"label": "B", "period": ["2019", "2020"], "value": [1.0, 2.0], "source": "t"})])
    figure = charts.trend_chart(series, ds.targets.iloc[:0], reference_lines(ds, "papi_total").iloc[:0],
                                ds.indicator("papi_total"), "en")
    months, years = list(figure.data[0].x), list(figure.data[1].x)
    assert len(set(months)) == 12 and all(2019.5 < x < 2020.5 for x in months) and months == sorted(months)
    assert years == [2019.0, 2020.0]  # a yearly figure stays on its year
    assert figure.data[1].mode == "lines+markers"


def test_a_dense_series_is_a_line_without_markers_and_keeps_its_hover_text(ds):
    series = _monthly("A", range(2015, 2025))  # 120 points
    figure = charts.small_multiples({"papi_total": series}, {"papi_total": "PAPI"}, "en")
    trace = figure.data[0]
    assert trace.mode == "lines" and len(trace.x) == 120 and len(trace.text) == 120
    assert trace.text[0].startswith("A · 2015-01")
