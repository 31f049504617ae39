"""Issue 29 points 3 and 5: a year of which only the top places are published is shown as what it is (đã công bố
30/63 tỉnh), no rank is derived for the others, and a missing figure says whether its publisher did not publish it
or it is not yet imported."""

import json
import re
from datetime import date

from indicators.reference.loader import DATA_DIR
from indicators.services import charts
from indicators.services.comparisons import absence_notes, comparable_indicators, rank_indicators, ranking
from indicators.services.index_views import (
    absence,
    absence_text,
    composite_summary,
    coverage_note,
    missing_lines,
    national_reference,
    provinces_in_year,
)
from tests.test_app import app, open_page, spec  # noqa: F401 - the fixture
from tests.test_app import charts as page_charts
from tests.test_import_page import sign_in, users  # noqa: F401 - the fixture

OLD = date(2004, 1, 1)
HA_TINH = ("42", OLD)
TODAY = date(2026, 12, 3)   # the verdicts on years not yet out depend on the day: fixed here


def shown(elements) -> list[str]:
    """The texts of a page's info boxes or captions as read (the markdown escapes of plain.md undone)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def test_a_year_counts_the_provinces_that_existed_then(ds):
    assert provinces_in_year(ds, 2007) == 64          # Hà Tây until 2008-07-31
    assert provinces_in_year(ds, 2009) == 63
    assert provinces_in_year(ds, 2024) == 63
    assert provinces_in_year(ds, 2025) == 34          # the list from 2025-07-01


def test_a_top_only_year_says_how_many_were_published_and_how_many_are_held(ds):
    held = len(ranking(ds, "pci_total", 2023))
    assert held == 7      # the press figures of PCI 2023's top places
    vi = coverage_note(ds, "pci_total", 2023, held, "vi", TODAY)
    en = coverage_note(ds, "pci_total", 2023, held, "en", TODAY)
    assert "đã công bố 30/63 tỉnh" in vi and "chỉ công bố 30 tỉnh đứng đầu" in vi and "có 7 tỉnh" in vi
    assert "published for 30 of 63 provinces" in en and "holds 7 of them" in en
    # a year of a full table with provinces left blank by the publisher: published for those it has
    papi = coverage_note(ds, "papi_total", 2014, len(ranking(ds, "papi_total", 2014)), "vi", TODAY)
    assert papi.startswith("Năm 2014: đã công bố 61/63 tỉnh") and "không suy ra" not in papi
    assert coverage_note(ds, "papi_total", 2016, 63, "vi", TODAY) is None


def test_no_rank_is_derived_in_a_partial_year(ds):
    rows = ranking(ds, "pci_total", 2024).set_index("province_name")
    assert set(rows.quartile) == {0}                          # no quartile over the top places
    assert rows.loc["TP. Hồ Chí Minh", "rank"] == 29          # published (the press)
    assert rows.loc["Hải Phòng", "rank"] != rows.loc["Hải Phòng", "rank"]  # first by score, never ranked here
    assert rows["rank"].notna().sum() == len(ds.actuals("pci_rank").query("period == '2024'"))
    # PCI 2021: a province whose total ties another's has no published rank and gets none
    full = ranking(ds, "pci_total", 2021)
    ranks = ds.actuals("pci_rank").query("period == '2021'")
    unranked = full[~full.province_key.isin(ranks.province_key)]
    assert len(unranked) == 7 and unranked["rank"].isna().all()
    ranked = full[full.province_key.isin(ranks.province_key)]
    assert dict(zip(ranked.province_key, ranked["rank"])) == dict(zip(ranks.province_key, ranks.value))


def test_a_partial_year_has_no_computed_mean_and_ranks_count_every_province(ds):
    assert national_reference(ds, "pci_total", "2024")["value"] is None   # never the mean of the top places
    assert national_reference(ds, "papi_total", "2024")["kind"] == "computed"
    summary = composite_summary(ds, [HA_TINH], 2026).set_index("indicator_code")
    assert summary.loc["pci_total", "period"] == "2022" and summary.loc["pci_total", "ranked"] == 63


def test_absence_says_not_published_or_not_imported(ds):
    assert absence(ds, "par_index", 2011, TODAY) == "not_published"      # before PAR INDEX's first year
    assert absence_text(ds, "par_index", 2011, "vi", TODAY) == "Bộ Nội vụ chưa công bố"
    assert absence_text(ds, "par_index", 2011, "en", TODAY) == "not published by Ministry of Home Affairs"
    assert absence(ds, "par_index", 2020, TODAY) == "not_imported"       # the Ministry's table, not imported
    assert absence_text(ds, "par_index", 2020, "vi", TODAY) == "chưa nhập số liệu"
    assert absence_text(ds, "par_index", 2020, "en", TODAY) == "not yet imported"
    assert absence(ds, "papi_total", 2014, TODAY) == "not_published"     # a blank row of PAPI's own table
    assert absence(ds, "pci_total", 2023, TODAY) == "top_only"           # 7 of VCCI's top 30 held
    assert absence(ds, "par_index", 2026, TODAY) == "not_published"      # the 2026 edition is not out
    assert absence(ds, "par_index", 2025, TODAY) == "unknown"            # out or not: nothing says
    assert absence_text(ds, "par_index", 2025, "vi", TODAY) == "không có số liệu"
    assert absence(ds, "satisfaction_procedures_pct", 2024, TODAY) == "unknown"   # a province's own figure


def test_the_missing_years_of_a_province_are_named_with_their_reason(ds):
    assert missing_lines(ds, [HA_TINH], "pci_total", "vi", TODAY) == [
        "Hà Tĩnh (đến 30/06/2025): 2023–2024 VCCI chỉ công bố 30 tỉnh đứng đầu; không có trong số liệu đã nhập"]
    assert missing_lines(ds, [("24", OLD)], "papi_total", "en", TODAY) == [
        "Bắc Giang (to 30/06/2025): 2014 not published by UNDP, CECODES, VFF-CRT; "
        "2021–2022 not published by UNDP, CECODES, VFF-CRT"]
    notes = absence_notes(ds, [HA_TINH], "dti", "vi", TODAY)
    assert any(n.startswith("Năm 2021: có số liệu 4/63 tỉnh; các tỉnh còn lại chưa nhập số liệu") for n in notes)
    assert notes[-1] == "Hà Tĩnh (đến 30/06/2025): 2020–2021 chưa nhập số liệu"


def test_dti_is_offered_to_compare_and_rank(ds):
    assert "dti" in comparable_indicators(ds)[:5]
    assert "dti_rank" in rank_indicators(ds)


def test_a_line_is_not_drawn_across_a_year_without_a_figure(ds):
    from indicators.services.comparisons import province_series

    series = province_series(ds, [("79", OLD)], "pci_total")   # TP. Hồ Chí Minh: to 2022, then 2024 (29th)
    figure = charts.rank_chart(province_series(ds, [("79", OLD)], "pci_rank"), "PCI", "vi")
    trend = charts.trend_chart(series, ds.targets.iloc[:0], series.iloc[:0].assign(line=[]), ds.indicator("pci_total"))
    for trace in (figure.data[0], trend.data[0]):
        points = dict(zip(trace.x, trace.y))
        assert points[2023] is None and points[2024] is not None and trace.connectgaps is False


def test_the_map_says_why_a_province_is_grey(ds):
    geo = json.loads((DATA_DIR / "geo" / "provinces.geojson").read_text(encoding="utf-8"))
    rows = ranking(ds, "pci_total", 2024)
    figure = charts.choropleth(rows, geo, "63", ds.indicator("pci_total"), "vi",
                               absence_text(ds, "pci_total", 2024, "vi", TODAY))
    z, bands = list(figure.data[0].z), list(figure.data[0].colorbar.ticktext)   # the colour bar's steps
    assert z.count(bands.index("Đã công bố (không chia nhóm)")) == 12 and z.count(bands.index("Chưa có số liệu")) == 51
    assert figure.layout.title.subtitle.text.replace("<br>", " ") == \
        "Không có số liệu: VCCI chỉ công bố 30 tỉnh đứng đầu; không có trong số liệu đã nhập"


# --- the pages ----------------------------------------------------------------------------------------

def test_rankings_page_says_what_a_partial_year_covers(app):  # noqa: F811
    at = open_page(app, "pages/rankings.py", indicator="pci_total", year="2023", province="42@2004", view="table")
    assert not at.exception
    assert any("đã công bố 30/63 tỉnh" in i for i in shown(at.info))
    assert any("Hà Tĩnh" in c and "VCCI chỉ công bố 30 tỉnh đứng đầu" in c for c in shown(at.caption))
    table = at.dataframe[0].value
    assert len(table) == 7 and set(table["Nhóm"].dropna()) == set()
    ranks = dict(zip(table["Tỉnh, thành phố"], table["Xếp hạng"]))
    assert ranks.pop("Bến Tre") == "7" and set(ranks.values()) == {"—"}   # the one rank published, none derived
    assert not at.get("page_link")                     # the way to the import is for analysts


def test_rankings_page_in_english_and_the_maps_legend(app):  # noqa: F811
    at = open_page(app, "pages/rankings.py", indicator="pci_total", year="2024", province="42@2004", view="map",
                   lang="en")
    assert any("published for 30 of 63 provinces" in i for i in shown(at.info))
    why = spec(page_charts(at)[0])["layout"]["title"]["subtitle"]["text"].replace("<br>", " ")
    assert why.startswith("No figure: VCCI published the top 30 provinces only")


def test_rankings_page_says_not_imported_and_leads_an_analyst_to_the_import(users):  # noqa: F811
    at = sign_in(open_page(users, "pages/imports.py"), "lan")
    at.switch_page("pages/rankings.py")
    for name, value in {"indicator": "par_index", "year": "2020", "province": "42@2004"}.items():
        at.query_params[name] = value
    at = at.run()
    assert not at.exception
    assert any("có số liệu 11/63 tỉnh" in i for i in shown(at.info))
    assert any(c.endswith("2020: chưa nhập số liệu") for c in shown(at.caption))
    assert at.get("page_link")


def test_compare_offers_dti_and_names_the_missing_years(app):  # noqa: F811
    at = open_page(app, "pages/compare.py", provinces="42@2004,40@2004", indicators="dti")
    assert not at.exception and len(page_charts(at)) == 1
    captions = shown(at.caption)
    assert "Hà Tĩnh (đến 30/06/2025): 2020–2021 chưa nhập số liệu" in captions
    at.query_params["tab"] = "ranks"
    at.query_params["rank"] = "dti_rank"
    at.run()
    assert not at.exception and {t["name"] for t in spec(page_charts(at)[0])["data"]} >= {
        "Hà Tĩnh (đến 30/06/2025)", "Nghệ An (đến 30/06/2025)"}


def test_profile_names_the_years_the_publisher_did_not_publish(app):  # noqa: F811
    at = open_page(app, "pages/profile.py", province="42@2004", indicator="pci_total", lang="en")
    assert not at.exception
    captions = shown(at.caption)
    assert any(c.startswith("2023: published for 30 of 63 provinces (VCCI)") for c in captions)
    assert any("2023–2024 VCCI published the top 30 provinces only" in c for c in captions)
