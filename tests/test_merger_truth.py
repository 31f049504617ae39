"""Issue 26: what a leader sees is true across the 2025 merger, and national references say what they are."""

from datetime import date

import pytest

from indicators.reports.phrases import number
from indicators.services.index_views import (
    composite_summary,
    latest_year_with_figures,
    merger_note,
    national_reference,
    predecessor_line,
    reference_text,
    years_with_figures,
)
from indicators.services.views import scope
from tests.test_app import app, open_page  # noqa: F401, F811 - the app fixture

OLD, NEW = date(2004, 1, 1), date(2025, 7, 1)
NEW_TAY_NINH, OLD_TAY_NINH, LONG_AN = ("80", NEW), ("72", OLD), ("80", OLD)


def _papi(ds, key, period="2024"):
    a = ds.actuals("papi_total")
    return a[(a.province_code == key[0]) & (a.province_valid_from.dt.date == key[1]) & (a.period == period)]


def test_the_new_tay_ninh_shows_each_predecessor_named_and_never_long_an_as_its_own(ds):
    rows = composite_summary(ds, scope(ds, NEW_TAY_NINH), 2026)
    papi = rows[rows.indicator_code == "papi_total"]
    # no figure of its own before it existed: one row per predecessor, none of them "own"
    assert not rows.own.any()
    assert list(papi.label_vi) == ["Tây Ninh (đến 30/06/2025)", "Long An (đến 30/06/2025)"]
    by_label = papi.set_index("label_vi")
    assert by_label.loc["Tây Ninh (đến 30/06/2025)", "value"] == pytest.approx(_papi(ds, OLD_TAY_NINH).value.iloc[0])
    assert by_label.loc["Long An (đến 30/06/2025)", "value"] == pytest.approx(_papi(ds, LONG_AN).value.iloc[0])
    line = predecessor_line(papi, "vi", number)
    assert line.startswith("Tây Ninh (đến 30/06/2025) 47,35 (2024) · hạng ")
    assert "— Long An (đến 30/06/2025) 42,29 (2024) · hạng 45" in line


def test_a_province_that_kept_its_territory_says_not_merged(ds):
    note = merger_note(ds, ("42", NEW), "vi")
    assert note.startswith("Hà Tĩnh không sáp nhập") and "hợp nhất" not in note
    assert "không sáp nhập" not in merger_note(ds, NEW_TAY_NINH, "vi")
    assert "Tây Ninh (đến 30/06/2025), Long An (đến 30/06/2025)" in merger_note(ds, NEW_TAY_NINH, "vi")


def test_a_dissolved_province_says_when_it_ended_and_names_its_successor(ds):
    assert merger_note(ds, LONG_AN, "vi") == ("Long An tồn tại đến ngày 30/06/2025; từ ngày hôm sau thuộc Tây Ninh "
                                               "(từ 01/07/2025).")
    assert merger_note(ds, ("42", OLD), "en").startswith("Hà Tĩnh existed until 30/06/2025")


def test_an_old_province_shows_its_own_figures_as_its_own(ds):
    rows = composite_summary(ds, scope(ds, LONG_AN), 2024).set_index("indicator_code")
    assert rows.own.all() and rows.loc["papi_total", "value"] == pytest.approx(_papi(ds, LONG_AN).value.iloc[0])
    assert rows.loc["papi_total", "rank"] == 45


def test_a_successor_s_own_figure_wins_once_it_has_one(ds, store):
    from tests.conftest import import_rows
    import_rows(store, [("80", NEW, "papi_total", "2025", 44.0)], source="test: a published 2025 figure")
    from indicators.services.views import Dataset
    fresh = Dataset.load(store)
    rows = composite_summary(fresh, scope(fresh, NEW_TAY_NINH), 2026)
    papi = rows[rows.indicator_code == "papi_total"]
    assert len(papi) == 1 and papi.own.iloc[0] and papi.value.iloc[0] == 44.0 and papi.period.iloc[0] == "2025"


def test_national_means_are_published_or_computed_and_say_which(ds):
    par = national_reference(ds, "par_index", "2024")
    assert par["kind"] == "published" and par["value"] == pytest.approx(88.37) and "Bộ Nội vụ" in par["source"]
    papi = national_reference(ds, "papi_total", "2024")
    values = ds.actuals("papi_total")
    values = values[values.period == "2024"]
    assert papi["kind"] == "computed" and papi["provinces"] == len(values) > 60
    assert papi["value"] == pytest.approx(values.value.mean())
    assert reference_text(papi, 2, "vi", number).endswith(f"(2024, tính: trung bình {len(values)} tỉnh)")
    assert reference_text(par, 2, "en", number) == "88.37 (2024, published)"
    assert reference_text(national_reference(ds, "sipas", "2009"), 2, "vi", number) == "chưa có số liệu"


def test_the_first_year_shown_is_the_latest_with_figures(ds):
    years = years_with_figures(ds, scope(ds, NEW_TAY_NINH))
    assert 2024 in years and 2026 not in years
    assert latest_year_with_figures(ds, scope(ds, NEW_TAY_NINH), today=date(2026, 12, 3)) == 2024
    assert latest_year_with_figures(ds, None, today=date(2026, 12, 3)) == 2024
    assert latest_year_with_figures(ds, scope(ds, NEW_TAY_NINH), today=date(2010, 1, 1)) == 2010    # PCI 2010


def test_the_status_command_names_each_predecessor(capsys, built_db):
    from indicators.cli.main import main
    assert main(["status", "--db", str(built_db), "--province", "Tây Ninh"]) == 0
    out = capsys.readouterr().out
    assert "Tây Ninh (to 30/06/2025) 47.35 (2024)" in out and "Long An (to 30/06/2025) 42.29 (2024) · rank 45" in out
    assert "11 of 11 targets have no figure — none can be assessed yet." in out
    assert "tasks due have no report" in out and " overdue" in out
    assert main(["status", "--db", str(built_db), "--province", "Long An"]) == 0
    out = capsys.readouterr().out
    assert "Long An existed until 30/06/2025; from the next day it is part of Tây Ninh (from 01/07/2025)." in out
    assert main(["status", "--db", str(built_db), "--province", "Hà Tĩnh"]) == 0
    assert "Hà Tĩnh was not merged" in capsys.readouterr().out


def test_the_overview_of_the_new_tay_ninh_shows_no_figure_of_long_an_as_its_own(app):  # noqa: F811
    at = open_page(app, "pages/overview.py", province="80@2025")
    assert not at.exception
    metrics = [m.value for m in at.metric]
    assert "42,29" not in metrics and "60,65" not in metrics      # Long An's PAPI 2024 and PCI 2016 as a card
    text = " ".join(m.value for m in at.markdown)
    assert "Long An \\(đến 30\\/06\\/2025\\) 42\\,29 \\(2024\\) · hạng 45" in text
    assert any("Số liệu mới nhất: 2024" == c.value for c in at.caption)
    assert any("11\\/11 mục tiêu chưa có số liệu — chưa đánh giá được" in m.value for m in at.markdown)
    picker = next(s for s in at.selectbox if s.key == "year")
    assert picker.value == 2024 and picker.format_func(2026) == "2026 (chưa có số liệu)"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_profile_of_a_dissolved_province_says_it_ended(app, lang):  # noqa: F811
    at = open_page(app, "pages/profile.py", province="80@2004", **({"lang": "en"} if lang == "en" else {}))
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert ("30\\/06\\/2025" in info) and ("Tây Ninh" in info)
    assert any(c.value.startswith(("Số liệu mới nhất: 20", "Latest figures: 20")) for c in at.caption)
