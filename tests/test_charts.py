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
    figure = charts.choropleth(rows, geo, "63", ds.indicator("papi_total"), "vi")
    z = list(figure.data[0].z)
    assert len(z) == 63 and z.count(0) == 2
    assert len(charts.choropleth(rows.iloc[:0], geo, "34", ds.indicator("papi_total")).data[0].z) == 34


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
