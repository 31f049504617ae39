"""Figures of units below the province in the same actual table and import engine (issue 14, point 5), and the
CLI contract for units and tasks: export units, export tasks (a round trip as progress), status --unit."""

import csv
import io
from datetime import date

import pytest

from indicators.imports import Context, commit, preview, undo
from indicators.services.auth import PermissionDenied, add_user
from tests.conftest import PASSWORD
from tests.test_cli import run

TODAY = date(2026, 12, 1)
# Phường Bến Nghé was a ward of TP Hồ Chí Minh until 2025-06-30 (code 26740); Phường Sài Gòn (26740) from 2025-07-01
COMMUNE_2026 = "26734"


def _preview(store, text: str, name="unit.csv"):
    return preview(store, name, text.encode("utf-8"), Context.of(store, today=TODAY))


@pytest.fixture
def people(store):
    admin = add_user(store, None, "admin1", PASSWORD, "admin")
    analyst = add_user(store, admin, "analyst1", PASSWORD, "analyst")
    reporter = add_user(store, admin, "snv.tn", PASSWORD, "reporter", unit=("80", date(2025, 7, 1), "80-SNV"))
    return admin, analyst, reporter


def _commune(store, province="79"):
    units = store.units((province, date(2025, 7, 1)), kinds=("ward",))
    return units.iloc[0].code


def test_a_departments_figure_goes_into_the_actual_table_with_its_unit(store, people):
    _, analyst, _ = people
    text = ("province,unit,indicator,period,value,source\n"
            "80,80-SNV,dossiers_online_pct,2025-H2,61.5,Báo cáo 12/BC-SNV\n"
            "80,,dossiers_online_pct,2025-H2,58.0,Báo cáo 1/BC-UBND\n")
    result = _preview(store, text)
    assert result.ok, [p.en for p in result.problems]
    done = commit(store, result, analyst)
    assert done.inserted == 2
    unit_rows = store.actuals(province_code="80", unit_code="80-SNV")
    assert unit_rows.value.tolist() == [61.5]
    province_rows = store.actuals(province_code="80", indicator_code="dossiers_online_pct")
    assert province_rows.value.tolist() == [58.0]            # the province's own figure, not its unit's
    assert store.indicator_actuals("dossiers_online_pct").value.tolist() == [58.0]
    assert store.replay_differences() == 0
    assert undo(store, done.batch_id, analyst) == 2
    assert store.actuals(province_code="80", province_valid_from=date(2025, 7, 1), unit_code=None).empty


def test_a_commune_is_named_by_its_code_as_meant_in_the_rows_period(store, people):
    _, analyst, _ = people
    ward = _commune(store)
    ok = _preview(store, f"province,unit,indicator,period,value,source\n79,{ward},dossiers_online_pct,2025-H2,70,x\n")
    assert ok.ok, [p.en for p in ok.problems]
    old = _preview(store, "province,unit,indicator,period,value,source\n"
                          "79,00004,dossiers_online_pct,2025-H2,70,x\n")        # a Hà Nội ward code, not HCMC's
    assert not old.ok and old.problems[0].column.startswith("B") and "not a unit code of province 79" in \
        old.problems[0].en
    gone = _preview(store, "province,unit,indicator,period,value,source\n"
                           "Hồ Chí Minh,26740,dossiers_online_pct,2024,70,x\n")   # old Bến Nghé in 2024: fine
    assert gone.ok, [p.en for p in gone.problems]
    late = _preview(store, "province,unit,indicator,period,value,source\n"
                           "42,42-STTTT,dossiers_online_pct,2025-Q2,70,x\n")      # merged away on 2025-02-28
    assert not late.ok and "not valid in this period" in late.problems[0].en


def test_a_reporter_enters_only_its_own_units_figures(store, people):
    _, _, reporter = people
    own = _preview(store, "province,unit,indicator,period,value,source\n80,80-SNV,dossiers_online_pct,2025-H2,61,x\n")
    commit(store, own, reporter)
    province = _preview(store, "province,unit,indicator,period,value,source\n80,,dossiers_online_pct,2025-H2,61,x\n")
    with pytest.raises(PermissionDenied):
        commit(store, province, reporter)
    other = _preview(store, "province,unit,indicator,period,value,source\n80,80-STP,dossiers_online_pct,2025-H2,6,x\n")
    with pytest.raises(PermissionDenied):
        commit(store, other, reporter)


def test_the_same_unit_indicator_and_period_twice_is_refused(store):
    result = _preview(store, "province,unit,indicator,period,value,source\n"
                             "80,80-SNV,dossiers_online_pct,2025-H2,61,x\n80,80-SNV,dossiers_online_pct,2025-H2,62,x\n")
    assert not result.ok and "same unit 80-SNV" in result.problems[0].en


def test_export_units_has_the_contracts_columns(capsys, built_db):
    code, out, _ = run(capsys, "export", "units", "--db", str(built_db))
    units = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert {"code", "name", "kind", "province_code", "province_valid_from", "valid_from", "valid_to",
            "successor_codes"} <= set(units[0])
    ttt = next(u for u in units if u["code"] == "42-STTTT")
    assert (ttt["valid_to"], ttt["successor_codes"]) == ("2025-02-28", "42-SKHCN")
    assert sum(u["valid_from"] == "2025-07-01" and u["kind"] in ("commune", "ward", "special_zone")
               for u in units) == 3321
    assert any(u["kind"] == "group" and u["code"] == "G-LIEN-QUAN" for u in units)


def test_export_tasks_edited_imports_back_as_progress(capsys, built_db, tmp_path, store, people, monkeypatch):
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)
    _, analyst, _ = people
    db = str(store.path)
    store.close()
    code, out, _ = run(capsys, "export", "tasks", "--db", db, "--as-of", "2026-12-01")
    tasks = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(tasks) > 122
    assert {"plan_number", "ref", "occurrence", "task", "lead_unit_code", "lead_unit_name", "partner_unit_codes",
            "deadline_period", "recurring", "status", "completed_on", "evidence"} <= set(tasks[0])
    header = list(tasks[0])
    for task in tasks:
        if task["plan_number"] == "239/KH-UBND" and task["ref"] in ("1.2", "1.4"):
            task.update(status="hoàn thành", completed_on="2017-06-30", evidence="Quyết định 99/QĐ-UBND")
    edited = tmp_path / "tasks.csv"
    with edited.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(tasks)
    code, _, err = run(capsys, "import", str(edited), "--db", db, "--user", "analyst1")
    assert code == 0, err
    assert "Task progress — insert 2, change 0" in err          # every other row is as stored
    code, out, _ = run(capsys, "export", "tasks", "--db", db, "--as-of", "2026-12-01")
    again = {(t["plan_number"], t["ref"], t["occurrence"]): t for t in csv.DictReader(io.StringIO(out))}
    assert again[("239/KH-UBND", "1.2", "")]["status"] == "done"
    assert again[("239/KH-UBND", "1.2", "")]["overdue"] == "False"
    assert again[("239/KH-UBND", "2.1", "")]["status"] == "not_started"


def test_status_of_a_unit_lists_its_lineages_tasks_and_targets(capsys, built_db):
    code, out, _ = run(capsys, "status", "--unit", "80-STC", "--db", str(built_db))
    assert code == 0
    succeeded = next(line for line in out.splitlines() if "succeeded" in line)
    assert "72-STC" in succeeded and "72-SKHDT" in succeeded          # KH&ĐT went into Tài chính in 2025
    assert "TN490-05" in out and "III.6.b" in out
    code, out, _ = run(capsys, "status", "--province", "80", "--db", str(built_db))
    assert code == 0 and "task progress as of" in out and "72-STC" in out


UNITS = "province,code,name,kind,valid_from,valid_to,successor_code,source\n"


def test_an_analyst_adds_and_retires_a_unit_with_history_and_undo(store, people):
    _, analyst, _ = people
    added = _preview(store, UNITS + "80,80-BQLKKT,Ban Quản lý Khu kinh tế tỉnh Tây Ninh,agency,2025-07-01,,,"
                                    "Quyết định 1/QĐ-UBND ngày 01/07/2025\n")
    assert added.ok and added.kind == "units", [p.en for p in added.problems]
    first = commit(store, added, analyst)
    unit = store.units(("80", date(2025, 7, 1))).set_index("code").loc["80-BQLKKT"]
    assert unit.origin == "import" and pd_isna(unit.valid_to)
    retired = _preview(store, UNITS + "80,80-BQLKKT,Ban Quản lý Khu kinh tế tỉnh Tây Ninh,agency,2025-07-01,"
                                      "2026-03-31,80-SCT,Quyết định 2/QĐ-UBND ngày 20/03/2026\n")
    assert retired.counts["change"] == 1
    second = commit(store, retired, analyst, replace=True)
    unit = store.units(("80", date(2025, 7, 1))).set_index("code").loc["80-BQLKKT"]
    assert str(unit.valid_to)[:10] == "2026-03-31" and unit.successor_codes == "80-SCT"
    assert list(store.unit_history().action) == ["insert", "replace"]
    undo(store, second.batch_id, analyst)
    unit = store.units(("80", date(2025, 7, 1))).set_index("code").loc["80-BQLKKT"]
    assert pd_isna(unit.valid_to) and pd_isna(unit.successor_codes)
    undo(store, first.batch_id, analyst)
    assert "80-BQLKKT" not in set(store.units(("80", date(2025, 7, 1))).code)


def pd_isna(value) -> bool:
    import pandas as pd
    return bool(pd.isna(value))


@pytest.mark.parametrize("row, column, words", [
    ("80,80-X,Ban X,agency,2025-07-01,,,\n", "H", "legal source"),
    ("80,80-X,Ban X,bureau,2025-07-01,,,QĐ 1\n", "D", "kind must be"),
    ("80,80-X,Ban X,agency,2025-07-01,,80-NONE,QĐ 1\n", "successor_code", "no successor unit"),
    ("80,80-SNV,Sở Nội vụ,department,2025-07-01,2026-01-01,,QĐ 1\n", None, "shipped in data/units"),
    ("80,80-X,Ban X,agency,2025-07-01,2025-01-01,,QĐ 1\n", "F", "ends before"),
])
def test_a_unit_row_is_refused_by_row_and_column(store, row, column, words):
    result = _preview(store, UNITS + row)
    assert not result.ok
    problem = result.problems[0]
    assert problem.row == 2 and words in problem.en
    if column:
        assert problem.column.startswith(column)


def test_a_viewer_cannot_add_a_unit(store, people):
    admin, _, reporter = people
    with pytest.raises(PermissionDenied):
        commit(store, _preview(store, UNITS + "80,80-X,Ban X,agency,2025-07-01,,,QĐ 1\n"), reporter)
