"""The frames behind the pages, computed on the real shipped data."""

from datetime import date

import pandas as pd
import pytest

from indicators.services.comparisons import (
    country_composites,
    gap_table,
    indicators_with_data,
    papi_dimensions,
    peers,
    province_series,
    ranking,
    reference_lines,
    summarise_sources,
)
from indicators.services.index_views import composite_summary
from indicators.services.views import judged_targets, province_label, scope, status_counts
from tests.conftest import import_rows

OLD, NEW = date(2004, 1, 1), date(2025, 7, 1)


def test_a_new_province_carries_the_history_of_the_old_ones(ds):
    assert scope(ds, ("80", NEW)) == [("80", NEW), ("72", OLD), ("80", OLD)]
    series = province_series(ds, scope(ds, ("80", NEW)), "papi_total")
    assert set(series.label) == {"Tây Ninh (đến 30/06/2025)", "Long An (đến 30/06/2025)"}
    assert province_label(ds, ("80", NEW), "en") == "Tây Ninh (from 01/07/2025)"


def test_merged_provinces_are_never_added_up(ds):
    series = province_series(ds, scope(ds, ("80", NEW)), "papi_total")
    assert series.groupby(["period"]).size().max() == 2  # one line per old province, no sum


def test_judged_targets_put_the_most_urgent_first(ds):
    judged = judged_targets(ds, scope(ds, ("42", NEW)), 2026)
    assert list(judged.status)[:6] == ["missed"] * 6  # past their deadline: final
    assert judged.status.iloc[-1] == "achieved"
    counts = status_counts(judged)
    assert sum(counts.values()) == 49 and counts["achieved"] == 2     # 46 + the three of section II (issue 14)


def test_composite_summary_gives_value_rank_and_change(ds):
    summary = composite_summary(ds, [("68", OLD)], 2024).set_index("indicator_code")
    assert summary.loc["papi_total", "rank"] == 54 and round(summary.loc["papi_total", "value"], 2) == 41.02
    assert summary.loc["par_index", "rank"] == 62
    assert summary.loc["papi_total", "change"] == pytest.approx(41.01793 - 40.904426, abs=1e-3)


def test_no_change_is_shown_across_a_method_break(ds):
    summary = composite_summary(ds, [("42", OLD)], 2018).set_index("indicator_code")
    assert summary.loc["papi_total", "period"] == "2018"
    assert pd.isna(summary.loc["papi_total", "change"])


def test_country_composites_use_the_latest_full_table_and_the_published_mean(ds):
    summary = country_composites(ds).set_index("indicator_code")
    assert summary.loc["papi_total", "full_year"] == "2024" and summary.loc["papi_total", "provinces"] == 61
    assert pd.isna(summary.loc["par_index", "full_year"]) and summary.loc["par_index", "mean"] == 88.37


def test_ranking_is_best_first_in_four_quartiles(ds):
    rows = ranking(ds, "papi_total", 2024)
    assert rows.province_name.iloc[0] == "Quảng Ninh" and rows.value.is_monotonic_decreasing
    assert rows.quartile.value_counts().sort_index().tolist() == [16, 15, 15, 15]
    ranks = ranking(ds, "papi_total_rank", 2024)
    assert ranks.value.iloc[0] == 1  # lower is better comes first too


def test_reference_lines_hold_the_published_mean_and_the_best_province(ds):
    lines = reference_lines(ds, "par_index")
    assert set(lines.line) == {"mean"}  # too few provinces for a 'best' line
    papi = reference_lines(ds, "papi_total")
    best_2024 = papi[(papi.line == "best") & (papi.period == "2024")]
    assert best_2024.province_name.iloc[0] == "Quảng Ninh"


def test_peers_are_the_region_and_the_merger_partners(ds):
    found = peers(ds, ("83", OLD))  # Bến Tre
    assert set(found["merged"]) == {("84", OLD), ("86", OLD)}
    assert ("87", OLD) in found["region"] and all(k[1] == OLD for k in found["region"])


def test_papi_dimensions_sit_beside_those_of_the_best_province(ds):
    dims = papi_dimensions(ds, ("42", OLD), 2016)
    assert len(dims) == 6 and set(dims.best_province) == {ranking(ds, "papi_total", 2016).province_name.iloc[0]}
    assert round(dims.best.sum(), 2) == round(ranking(ds, "papi_total", 2016).value.iloc[0], 2)
    assert len(papi_dimensions(ds, ("42", OLD), 2020)) == 8


def test_gap_is_how_far_a_target_still_is(ds):
    gaps = gap_table(ds, [("42", OLD)], 2026).set_index("target_id")
    assert gaps.loc["HT239-03", "gap"] == 4  # rank 9 against top 5
    assert gaps.loc["HT239-02", "gap"] == 0


def test_indicators_with_data_include_targets_without_figures(ds):
    codes = indicators_with_data(ds, [("72", OLD)])
    assert "dossiers_online_pct" in codes and "papi_total" in codes


def test_sources_are_summarised_by_publisher_and_years():
    import pandas as pd
    text = summarise_sources(pd.Series(["PAPI 2011 (UNDP)", "PAPI 2012 (UNDP)", "PCI 2016 (VCCI)"]))
    assert text == "PAPI (UNDP) 2011–2012; PCI (VCCI) 2016"


def test_an_imported_source_is_shown_exactly_as_typed():
    import pandas as pd
    typed = "Báo cáo 12/BC-UBND ngày 5/1/2024 của UBND tỉnh"
    assert summarise_sources(pd.Series([typed, "PAPI 2011 (UNDP)", typed])) == f"{typed}; PAPI (UNDP) 2011"


def test_a_monthly_indicator_ranks_on_the_year_s_latest_month_and_slices_are_read_fresh(store):
    from indicators.services.views import Dataset

    rows = [("42", OLD, "satisfaction_procedures_pct", "2024-11", 90.0),
            ("42", OLD, "satisfaction_procedures_pct", "2024-12", 91.0),
            ("40", OLD, "satisfaction_procedures_pct", "2024-12", 95.0),
            ("38", OLD, "satisfaction_procedures_pct", "2024-11", 99.0)]  # no December figure: left out
    import_rows(store, rows, source="Báo cáo tháng")
    ds = Dataset.load(store)
    ranked = ranking(ds, "satisfaction_procedures_pct", 2024)
    assert list(ranked.province_code) == ["40", "42"] and set(ranked.period) == {"2024-12"}
    assert ranking(ds, "satisfaction_procedures_pct", 2023).empty
    series = province_series(ds, [("42", OLD)], "satisfaction_procedures_pct")
    assert list(series.period) == ["2024-11", "2024-12"] and series.x.is_monotonic_increasing
    assert ds.actuals("satisfaction_procedures_pct") is ds.actuals("satisfaction_procedures_pct")  # kept
    from indicators.services.views import _key_column
    papi = ds.actuals("papi_total")  # the key DuckDB writes is the one the views build
    assert papi.province_key.equals(_key_column(papi)) and "42|2004-01-01" in set(papi.province_key)
    assert ds.coverage.province_key.equals(_key_column(ds.coverage))
    small = Dataset.load(store, kept=2)
    first = small.actuals("papi_total")
    small.actuals("pci_total"), small.actuals("sipas")  # papi_total, the least recently used, is dropped
    assert list(small._slices) == ["pci_total", "sipas"] and small.actuals("papi_total") is not first
    assert small.actuals("papi_total").equals(first)
    assert "satisfaction_procedures_pct" in ds.measured
    assert "satisfaction_procedures_pct" in indicators_with_data(ds, [("38", OLD)])


def test_a_plan_of_a_merged_province_is_judged_on_its_successor_after_the_merger(store):
    """Tây Ninh's 2021–2025 programme: from 2025-07-01 Tây Ninh is a new province (code 80, with Long An), whose
    figures for 2025 judge the old province's targets, labelled as such (DOMAIN: plans across the merger)."""
    from indicators.services.views import Dataset, inherited_plans

    new_tay_ninh = ("80", NEW)
    before = judged_targets(Dataset.load(store), scope(Dataset.load(store), new_tay_ninh), 2026)
    assert before.set_index("target_id").status["TN490-02"] == "no_data"
    import_rows(store, [("72", OLD, "satisfaction_procedures_pct", "2025-H1", 85.0),  # the old province, to June
                        ("80", NEW, "satisfaction_procedures_pct", "2025", 92.0)],  # the new one's year
                source="Báo cáo CCHC năm 2025")
    ds = Dataset.load(store)
    judged = judged_targets(ds, scope(ds, new_tay_ninh), 2026).set_index("target_id")
    row = judged.loc["TN490-02"]
    assert (row.status, row.period, row.actual, row.judged_on_code) == ("achieved", "2025", 92.0, "80")
    assert row.judged_on_vi == "Tây Ninh (từ 01/07/2025)" and row.judged_on_en == "Tây Ninh (from 01/07/2025)"
    assert pd.isna(judged.loc["TN490-01"].judged_on_code)  # no figure of either: nothing judged, no label
    # a plan that ended before the merger is not judged on the successor
    ha_tinh = judged_targets(ds, scope(ds, ("42", NEW)), 2026)
    assert ha_tinh.judged_on_code.isna().all()
    assert list(inherited_plans(ds, new_tay_ninh).number) == ["490/QĐ-UBND"]
    assert inherited_plans(ds, ("42", NEW)).empty  # Hà Tĩnh's plan ended in 2020


def test_a_missed_target_stays_missed_after_its_deadline(store):
    from indicators.services.views import Dataset

    import_rows(store, [("80", NEW, "satisfaction_procedures_pct", "2025", 80.0),
                        ("80", NEW, "satisfaction_procedures_pct", "2026", 95.0)], source="Báo cáo CCHC")
    ds = Dataset.load(store)
    row = judged_targets(ds, scope(ds, ("80", NEW)), 2026).set_index("target_id").loc["TN490-02"]
    assert (row.status, row.period) == ("missed", "2025")  # judged up to the deadline; 2026 comes too late


def test_a_target_on_a_replaced_indicator_is_judged_on_its_replacement(store):
    """TN490-06 asks for 100 % of procedures online at 'mức độ 4'; from 2022-H2 the measure is 'toàn trình'
    (Decree 42/2022/NĐ-CP, in data/indicators.yaml), and from 2025-07-01 the new Tây Ninh reports it."""
    from indicators.services.views import Dataset

    import_rows(store, [("72", OLD, "online_services_level4_pct", "2021-H2", 60.0),
                        ("72", OLD, "online_services_level4_pct", "2022-H2", 99.0),  # after the switch: not used
                        ("72", OLD, "online_services_full_pct", "2024-12", 80.0),
                        ("80", NEW, "online_services_full_pct", "2025-12", 100.0)], source="Báo cáo DVCTT")
    ds = Dataset.load(store)
    in_2022 = judged_targets(ds, scope(ds, ("80", NEW)), 2022).set_index("target_id").loc["TN490-06"]
    assert (in_2022.period, in_2022.actual) == ("2021-H2", 60.0)  # level 4 ends with 2022-H1
    in_2024 = judged_targets(ds, scope(ds, ("80", NEW)), 2024).set_index("target_id").loc["TN490-06"]
    assert (in_2024.period, in_2024.actual, in_2024.judged_indicator) == ("2024-12", 80.0, "online_services_full_pct")
    assert pd.isna(in_2024.judged_on_code)  # the old province's own figure, of the replacing indicator
    assert in_2024.judged_indicator_vi == "Tỷ lệ DVCTT toàn trình"
    final = judged_targets(ds, scope(ds, ("80", NEW)), 2026).set_index("target_id").loc["TN490-06"]
    assert (final.status, final.period, final.judged_on_code, final.judged_indicator) == (
        "achieved", "2025-12", "80", "online_services_full_pct")
