"""The import engine (indicators/imports/): files as analysts send them, all or nothing, history, undo, locks,
roles, conflicts. Hand-written files are in tests/import_files/; Excel files are made here with openpyxl."""

import io
import threading
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import imports
from indicators.imports import ConflictError, ImportRefused
from indicators.imports.base import MAX_PROBLEMS
from indicators.imports.table import Limits
from indicators.services.auth import PermissionDenied
from indicators.services.building import build

FILES = Path(__file__).parent / "import_files"
HT = ("42", date(2004, 1, 1))           # Hà Tĩnh before the merger
HT_NEW = ("42", date(2025, 7, 1))       # Hà Tĩnh from 2025-07-01


def preview(engine, name, content, **options):
    return imports.preview(engine, name, content,
                           imports.Context(engine.registry, engine.catalogue, today=date(2026, 11, 23), **options))


def commit(engine, result, user="lan", **options):
    return imports.commit(engine, result, engine.users.get(user) if isinstance(user, str) else user, **options)


def state(engine) -> pd.DataFrame:
    """Every actual, in a fixed order: what 'the database as before' means."""
    return engine.query("SELECT * EXCLUDE (period_start, period_end) FROM actual ORDER BY ALL")


def stored(engine, key, indicator, period):
    return engine.scalar("SELECT value FROM actual WHERE province_code = ? AND province_valid_from = ?"
                         " AND indicator_code = ? AND period = ?", [key[0], key[1], indicator, period])


# --- files that are read ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("good_bom.csv", [(HT, "satisfaction_procedures_pct", "2024", 85.5)]),
    ("good_semicolon_decimal_comma.csv", [(HT, "satisfaction_procedures_pct", "2024", 85.5),
                                          (HT, "headcount_change_pct", "2024", -1.5)]),
    ("good_nfd_names.csv", [(("46", date(2004, 1, 1)), "satisfaction_procedures_pct", "2024", 90.0),
                            (("79", date(2004, 1, 1)), "satisfaction_procedures_pct", "2024-H1", 91.2)]),
    ("good_thousands.csv", [(HT, "par_training_classes_count", "2024", 1234.0),
                            (("40", date(2004, 1, 1)), "par_training_classes_count", "2024", 12345.0)]),
    # code 15 was Yên Bái until 2025-06-30 and is Lào Cai since: it means what it meant in the row's period
    ("good_reused_code.csv", [(("15", date(2004, 1, 1)), "satisfaction_procedures_pct", "2024", 80.0),
                              (("15", date(2025, 7, 1)), "satisfaction_procedures_pct", "2025-Q4", 81.0)]),
])
def test_files_as_analysts_write_them_are_read(engine, name, expected):
    result = preview(engine, name, (FILES / name).read_bytes())
    assert result.ok, [p.text() for p in result.problems]
    got = [((r.province_code, r.province_valid_from.date()), r.indicator_code, r.period, r.value)
           for r in result.diff.itertuples()]
    assert got == expected
    assert set(result.diff.status) == {"insert"}


@pytest.mark.parametrize("name, problems", [
    ("bad_windows_1258.csv", [(2, None, "not UTF-8")]),
    ("bad_mojibake.csv", [(2, "A (province)", "garbled text")]),
    ("bad_na_and_blank.csv", [(2, "D (value)", "blank or N/A"), (3, "D (value)", "blank or N/A")]),
    ("bad_percent_on_a_score.csv", [(2, "D (value)", "% sign")]),
    ("bad_out_of_range.csv", [(2, "D (value)", "outside the valid range"), (3, "D (value)",
                                                                            "outside the valid range")]),
    ("bad_unknown_province.csv", [(2, "A (province)", "not a known province")]),
    ("bad_unknown_indicator.csv", [(2, "B (indicator)", "not a known indicator")]),
    ("bad_unknown_period.csv", [(2, "C (period)", "is not a period"), (3, "C (period)", "has not started")]),
    ("bad_old_province_after_merger.csv", [(2, "A (province)", "successor Lào Cai (code 15)")]),
    ("bad_duplicate_keys.csv", [(3, None, "same province, indicator and period as row 2")]),
    ("bad_missing_column.csv", [(1, None, "no header row")]),
    ("bad_extra_column.csv", [(1, "F", "unknown column 'checked_by'")]),
    ("bad_ragged_rows.csv", [(2, "F", "6 cells, the header has 5"), (3, None, "3 cells, the header has 5")]),
    ("bad_empty.csv", [(None, None, "empty")]),
    ("bad_header_only.csv", [(1, None, "no data rows")]),
    ("bad_example_row_left_in.csv", [(2, "E (source)", "example row")]),
    ("bad_no_source.csv", [(2, "E (source)", "needs its source")]),
])
def test_bad_files_are_refused_with_row_column_and_reason_and_nothing_is_written(engine, name, problems):
    before = state(engine)
    result = preview(engine, name, (FILES / name).read_bytes())
    got = [(p.row, p.column, p.en) for p in result.problems]
    assert len(got) == len(problems), got
    for (row, column, en), (want_row, want_column, reason) in zip(got, problems):
        assert (row, column) == (want_row, want_column), got
        assert reason in en, got
    assert result.problems and all(p.vi and p.vi != p.en for p in result.problems)
    with pytest.raises(ImportRefused):
        commit(engine, result)
    assert state(engine).equals(before)


def test_every_problem_is_listed_not_only_the_first_and_the_list_is_capped_with_a_count(engine):
    rows = "".join(f"Hà Tĩnh,satisfaction_procedures_pct,{2000 + i % 20}-{1 + i % 12:02d},abc,BC\n"
                   for i in range(1500))
    result = preview(engine, "many.csv", ("province,indicator,period,value,source\n" + rows).encode())
    assert result.problem_count == 1500 and len(result.problems) == MAX_PROBLEMS
    assert [p.row for p in result.problems[:3]] == [2, 3, 4]


def test_an_oversized_file_is_refused_before_it_is_parsed(engine):
    result = preview(engine, "big.csv", b"province,indicator,period,value,source\n" + b"x" * 200,
                     limits=Limits(max_bytes=100))
    assert "over the limit" in result.problems[0].en
    rows = b"province,indicator,period,value,source\n" + b"42,sipas,2020,1,x\n" * 50
    assert "more than 10 rows" in preview(engine, "long.csv", rows, limits=Limits(max_rows=10)).problems[0].en
    long_cell = b"province,indicator,period,value,source\n42,sipas,2020,1," + b"x" * 3000 + b"\n"
    assert "longer than" in preview(engine, "cell.csv", long_cell).problems[0].en


def test_a_file_of_another_kind_is_refused(engine):
    assert "only .csv and .xlsx" in preview(engine, "figures.pdf", b"%PDF-1.4").problems[0].en
    assert "old .xls" in preview(engine, "figures.xls", b"\xd0\xcf\x11\xe0").problems[0].en
    assert "not a zip" in preview(engine, "figures.xlsx", b"not a zip at all").problems[0].en


# --- Excel ------------------------------------------------------------------------------------------------------------

def workbook(rows, *, title=None, sheet="data", formats=None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for (r, c), fmt in (formats or {}).items():
        ws.cell(r, c).number_format = fmt
    if title:
        ws.insert_rows(1, 2)
        ws["A1"] = title
        ws.merge_cells("A1:E1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_excel_with_a_merged_title_and_a_two_row_header_is_read(engine):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["BÁO CÁO KẾT QUẢ CẢI CÁCH HÀNH CHÍNH NĂM 2024"])
    ws.merge_cells("A1:E1")
    ws.append(["Tỉnh", "Chỉ tiêu", "Năm", None, "Nguồn"])
    ws.merge_cells("C2:D2")
    ws.append([None, None, "2023", "2024", None])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("E2:E3")
    ws.append(["Hà Tĩnh", "satisfaction_procedures_pct", 84.1, 0.855, "BC 12"])
    ws["D4"].number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    result = preview(engine, "wide.xlsx", buffer.getvalue())
    assert result.ok, [p.text() for p in result.problems]
    assert result.layout == "wide"
    assert list(zip(result.diff.period, result.diff.value, result.diff.row)) == [("2023", 84.1, 4), ("2024", 85.5, 4)]


def test_a_wide_sheet_takes_its_indicator_from_the_import_or_refuses(engine):
    content = workbook([["province", "2022", "2023-H1"], ["Hà Tĩnh", 80, 81], ["Nghệ An", None, 79.5]])
    assert "needs an 'indicator' column" in preview(engine, "wide.xlsx", content).problems[0].en
    result = preview(engine, "wide.xlsx", content, indicator="satisfaction_procedures_pct", source="BC 7")
    assert result.ok and len(result.diff) == 3 and set(result.diff.source) == {"BC 7"}


def test_formula_cells_without_a_saved_value_are_refused(engine):
    content = workbook([["province", "indicator", "period", "value", "source"],
                        ["Hà Tĩnh", "satisfaction_procedures_pct", "2024", "=80+5", "BC 1"]])
    problem = preview(engine, "formula.xlsx", content).problems[0]
    assert (problem.row, problem.column) == (2, "D") and "=80+5 has no saved value" in problem.en


def test_a_percent_formatted_cell_is_refused_for_a_score(engine):
    content = workbook([["province", "indicator", "period", "value", "source"],
                        ["Hà Tĩnh", "papi_total", "2023", 0.45, "BC 1"]], formats={(2, 4): "0%"})
    assert "formatted as %" in preview(engine, "pct.xlsx", content).problems[0].en


def test_a_named_sheet_is_read_and_a_missing_one_named(engine):
    content = workbook([["province", "indicator", "period", "value", "source"],
                        ["Hà Tĩnh", "satisfaction_procedures_pct", 2024, 85.5, "BC 1"]], sheet="2024")
    assert preview(engine, "s.xlsx", content, sheet="2024").ok
    assert "no sheet 'Tổng hợp'" in preview(engine, "s.xlsx", content, sheet="Tổng hợp").problems[0].en


def test_a_zip_bomb_is_refused_before_openpyxl_reads_it(engine):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<" + "a" * 50_000_000 + "/>")
    assert "zip bomb" in preview(engine, "bomb.xlsx", buffer.getvalue()).problems[0].en


# --- all or nothing, replace, history, undo -------------------------------------------------------------------------

CSV = "province,indicator,period,value,source\n"


def csv_file(*rows: str) -> bytes:
    return (CSV + "".join(r + "\n" for r in rows)).encode()


def test_a_change_needs_replace_and_is_kept_in_the_history(engine):
    first = commit(engine, preview(engine, "a.csv", csv_file("Hà Tĩnh,sipas,2023,80,BC 1")))
    result = preview(engine, "b.csv", csv_file("Hà Tĩnh,sipas,2023,82.5,BC 2", "Hà Tĩnh,sipas,2022,79,BC 2"))
    assert result.counts == {"insert": 1, "change": 1, "unchanged": 0, "rejected": 0}
    change = result.rows("change").iloc[0]
    assert (change.old_value, change.value) == (80.0, 82.5)
    with pytest.raises(ImportRefused, match="replace"):
        commit(engine, result)
    assert stored(engine, HT, "sipas", "2023") == 80.0
    second = commit(engine, result, replace=True)
    assert stored(engine, HT, "sipas", "2023") == 82.5
    trail = engine.history(second.batch_id)
    replaced = trail[trail.action == "replace"].iloc[0]
    assert (replaced.old_value, replaced.new_value, replaced.old_batch_id, replaced.changed_by) == (80.0, 82.5,
                                                                                                   first.batch_id,
                                                                                                    "lan")
    assert replaced.file_name == "b.csv" and len(replaced.file_sha256) == 64


@pytest.mark.parametrize("text", ['BC "số 2" {a,b} \\ NULL', "'); DROP TABLE actual; --", "NULL", "{}"])
def test_a_replacement_stores_its_source_and_note_exactly_as_written(engine, text):
    """On PostgreSQL the comparison and the replacement travel as arrays of text inside one statement: quotes,
    backslashes, braces and the word NULL are text there, as on the file."""
    quoted = '"' + text.replace('"', '""') + '"'
    head = "province,indicator,period,value,source,note\n"
    commit(engine, preview(engine, "a.csv", (head + "Hà Tĩnh,sipas,2023,80,BC 1,\n").encode()))
    again = preview(engine, "b.csv", (head + f"Hà Tĩnh,sipas,2023,81,{quoted},{quoted}\n"
                                       "Nghệ An,sipas,2023,79,BC 1,\n").encode())
    assert again.counts == {"insert": 1, "change": 1, "unchanged": 0, "rejected": 0}
    commit(engine, again, replace=True)
    rows = engine.query("SELECT province_code, value, source, coalesce(note, '(none)') FROM actual"
                        " WHERE indicator_code = 'sipas' AND period = '2023' AND province_code IN ('40', '42')"
                        " AND province_valid_from = DATE '2004-01-01' ORDER BY 1")
    assert rows.values.tolist() == [["40", 79.0, "BC 1", "(none)"], ["42", 81.0, text, text]]
    unchanged = preview(engine, "b.csv", (head + f"Hà Tĩnh,sipas,2023,81,{quoted},{quoted}\n").encode())
    assert unchanged.counts["unchanged"] == 1      # the stored text compares equal to the file's


def test_importing_the_same_file_twice_changes_nothing_the_second_time(engine):
    content = csv_file("Hà Tĩnh,sipas,2023,80,BC 1", "Nghệ An,sipas,2023,81,BC 1")
    commit(engine, preview(engine, "a.csv", content))
    before, batches = state(engine), engine.scalar("SELECT count(*) FROM import_batch")
    again = preview(engine, "a.csv", content)
    assert again.counts["unchanged"] == 2
    assert commit(engine, again).batch_id is None
    assert state(engine).equals(before) and engine.scalar("SELECT count(*) FROM import_batch") == batches


def test_undo_restores_the_previous_figures_and_their_batches(engine):
    before = state(engine)
    commit(engine, preview(engine, "a.csv", csv_file("Hà Tĩnh,sipas,2023,80,BC 1")))
    middle = state(engine)
    # PAPI 2023 of Hà Tĩnh is shipped reference data: replacing it and undoing brings back the shipped figure
    shipped = stored(engine, HT, "papi_total", "2023")
    done = commit(engine, preview(engine, "b.csv", csv_file("Hà Tĩnh,sipas,2023,85,BC 2",
                                                                  "Hà Tĩnh,papi_total,2023,50,BC 2")), replace=True)
    assert imports.undo(engine, done.batch_id, engine.users["lan"]) == 2
    assert state(engine).equals(middle)
    assert stored(engine, HT, "papi_total", "2023") == shipped
    with pytest.raises(ImportRefused, match="already been undone"):
        imports.undo(engine, done.batch_id, engine.users["lan"])
    first = engine.scalar("SELECT min(id) FROM import_batch WHERE source_kind = 'upload'")
    imports.undo(engine, first, engine.users["admin"])
    assert state(engine).equals(before)


def test_undo_is_refused_while_a_later_batch_holds_the_rows(engine):
    first = commit(engine, preview(engine, "a.csv", csv_file("Hà Tĩnh,sipas,2023,80,BC 1")))
    commit(engine, preview(engine, "b.csv", csv_file("Hà Tĩnh,sipas,2023,81,BC 1")), user="minh", replace=True)
    with pytest.raises(ConflictError, match="later batches"):
        imports.undo(engine, first.batch_id, engine.users["admin"])


def test_reference_batches_cannot_be_undone(engine):
    with pytest.raises(ImportRefused, match="reference data"):
        imports.undo(engine, 1, engine.users["admin"])


# --- roles, checked where the engine writes ---------------------------------------------------------------------------

def test_the_engine_checks_the_role_in_the_database_not_the_caller(engine):
    result = preview(engine, "a.csv", csv_file("Hà Tĩnh,sipas,2023,80,BC 1"))
    with pytest.raises(PermissionDenied):
        commit(engine, result, user=None)
    with pytest.raises(PermissionDenied, match="viewer"):
        commit(engine, result, user="viewer")
    # a forged user object claiming to be an admin is judged by its stored role
    from indicators.services.auth import User
    with pytest.raises(PermissionDenied):
        commit(engine, result, user=User("viewer", "viewer", "admin"))
    # a disabled analyst can no longer write
    engine.connection.execute("UPDATE app_user SET disabled = true WHERE name = 'lan'")
    with pytest.raises(PermissionDenied, match="not active"):
        commit(engine, result, user="lan")
    assert stored(engine, HT, "sipas", "2023") is None


def test_an_analyst_undoes_only_their_own_batches(engine):
    done = commit(engine, preview(engine, "a.csv", csv_file("Hà Tĩnh,sipas,2023,80,BC 1")), user="lan")
    with pytest.raises(PermissionDenied, match="only lan or an admin"):
        imports.undo(engine, done.batch_id, engine.users["minh"])


def test_only_admins_lock_and_a_locked_period_refuses_imports_and_undo(engine):
    done = commit(engine, preview(engine, "a.csv", csv_file("Hà Tĩnh,sipas,2023-H1,80,BC 1")))
    with pytest.raises(PermissionDenied):
        imports.lock_period(engine, engine.users["lan"], HT, "2023")
    imports.lock_period(engine, engine.users["admin"], HT, "2023", "report 45/BC-UBND approved")
    result = preview(engine, "b.csv", csv_file("Hà Tĩnh,sipas,2023-05,81,BC 1", "Hà Tĩnh,sipas,2024,82,BC 1"))
    assert [(p.row, "locked" in p.en) for p in result.problems] == [(2, True)]
    with pytest.raises(ImportRefused, match="locked"):
        imports.undo(engine, done.batch_id, engine.users["lan"])
    imports.unlock_period(engine, engine.users["admin"], HT, "2023")
    assert imports.undo(engine, done.batch_id, engine.users["lan"]) == 1
    assert engine.query("SELECT action FROM lock_history ORDER BY id").action.tolist() == ["lock", "unlock"]


# --- concurrency ------------------------------------------------------------------------------------------------------

def test_an_import_that_ran_since_the_preview_is_a_conflict_not_an_overwrite(engine):
    mine = preview(engine, "a.csv", csv_file("Hà Tĩnh,sipas,2023,80,BC 1"))
    theirs = preview(engine, "b.csv", csv_file("Hà Tĩnh,sipas,2023,90,BC 9"))
    commit(engine, theirs, user="minh")
    with pytest.raises(ConflictError, match="preview"):
        commit(engine, mine)
    assert stored(engine, HT, "sipas", "2023") == 90.0


def test_two_analysts_importing_at_once_both_succeed_or_one_gets_a_conflict(engine):
    files = {"lan": csv_file(*[f"Hà Tĩnh,sipas,{y},{60 + y % 30},BC 1" for y in range(2017, 2025)]),
             "minh": csv_file(*[f"Nghệ An,sipas,{y},{61 + y % 30},BC 2" for y in range(2017, 2025)]),
             "admin": csv_file(*[f"Hà Tĩnh,sipas,{y},{50 + y % 30},BC 3" for y in range(2017, 2025)])}
    previews = {name: preview(engine, f"{name}.csv", content) for name, content in files.items()}
    outcomes: dict[str, object] = {}
    barrier = threading.Barrier(3)

    def run(name):
        barrier.wait()
        try:
            outcomes[name] = commit(engine, previews[name], user=name)
        except ConflictError as error:
            outcomes[name] = error

    threads = [threading.Thread(target=run, args=(name,)) for name in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not isinstance(outcomes["minh"], Exception) or isinstance(outcomes["minh"], ConflictError)
    # lan and admin wrote the same eight keys: exactly one of them holds them, whole
    winners = [n for n in ("lan", "admin") if not isinstance(outcomes[n], Exception)]
    assert len(winners) == 1
    held = engine.query("SELECT DISTINCT batch_id FROM actual WHERE province_code = '42' AND indicator_code = 'sipas'")
    assert held.batch_id.tolist() == [outcomes[winners[0]].batch_id]
    assert engine.scalar("SELECT count(*) FROM actual WHERE province_code = '42' AND indicator_code = 'sipas'") == 8


# --- targets ----------------------------------------------------------------------------------------------------------

TARGETS = ("plan,plan_title,issued_on,province,indicator,comparator,value,start,deadline,source\n"
           "88/KH-UBND,Kế hoạch CCHC năm 2026,2026-01-10,Hà Tĩnh,satisfaction_procedures_pct,>=,95,2026,2026,"
           "Mức độ hài lòng đạt trên 95%\n"
           "88/KH-UBND,Kế hoạch CCHC năm 2026,2026-01-10,Hà Tĩnh,par_index_rank,rank<=,10,2026,2026,Top 10 PAR INDEX\n")


def test_a_target_sheet_creates_a_new_plan_and_undo_removes_it(engine):
    result = preview(engine, "targets.csv", TARGETS.encode())
    assert result.ok, [p.text() for p in result.problems]
    assert result.kind == "targets" and result.counts["insert"] == 2
    done = commit(engine, result)
    plan = engine.query("SELECT * FROM plan WHERE origin = 'import'").iloc[0]
    assert (plan.number, plan.province_code, str(plan.province_valid_from.date())) == ("88/KH-UBND", "42", "2025-07-01")
    assert engine.scalar("SELECT count(*) FROM target WHERE plan_id = ?", [plan.id]) == 2
    assert preview(engine, "targets.csv", TARGETS.encode()).counts["unchanged"] == 2
    build(engine)  # a rebuild from data/ keeps the analysts' plans and targets
    assert engine.scalar("SELECT count(*) FROM target WHERE plan_id = ?", [plan.id]) == 2
    imports.undo(engine, done.batch_id, engine.users["lan"])
    assert engine.scalar("SELECT count(*) FROM plan WHERE origin = 'import'") == 0


def test_a_target_sheet_is_checked_like_the_reviewed_plans(engine):
    bad = TARGETS.replace(">=,95", "<=,95").replace("rank<=,10,2026,2026", "rank<=,10,2027,2026")
    problems = preview(engine, "targets.csv", bad.encode()).problems
    assert [(p.row, p.column.split()[0]) for p in problems] == [(2, "F"), (3, "I")]
    assert "contradicts the direction" in problems[0].en and "before the start" in problems[1].en


# --- properties -------------------------------------------------------------------------------------------------------

PROVINCES = ["Hà Tĩnh", "Nghệ An", "42", "Quảng Bình"]
row_strategy = st.tuples(st.sampled_from(PROVINCES), st.sampled_from(["sipas", "papi_total", "headcount_change_pct"]),
                         st.sampled_from(["2019", "2020", "2021-H1", "2022-Q3", "2023-05"]),
                         st.integers(min_value=10, max_value=60), st.sampled_from([",", "."]))


def _content(rows) -> bytes:
    seen, lines = set(), []
    for province, indicator, period, value, decimal in rows:
        key = ("42" if province in ("Hà Tĩnh", "42") else province, indicator, period)
        if key in seen:
            continue
        seen.add(key)
        text = f"{value}{decimal}5"
        lines.append(f'{province},{indicator},{period},"{text}",BC')
    return csv_file(*lines)


@pytest.mark.slow  # a property over generated files
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(row_strategy, min_size=1, max_size=12), second=st.lists(row_strategy, min_size=1, max_size=12))
def test_import_twice_equals_import_once_and_undo_restores_the_exact_state(engine, first, second):
    start = state(engine)
    one = commit(engine, preview(engine, "one.csv", _content(first)), replace=True)
    after_one = state(engine)
    assert commit(engine, preview(engine, "one.csv", _content(first))).batch_id is None
    assert state(engine).equals(after_one)
    two = commit(engine, preview(engine, "two.csv", _content(second)), replace=True)
    if two.batch_id is not None:
        imports.undo(engine, two.batch_id, engine.users["lan"])
    assert state(engine).equals(after_one)
    imports.undo(engine, one.batch_id, engine.users["lan"])
    assert engine.replay_differences() == 0
    assert state(engine).equals(start)


def test_replaying_the_history_gives_the_stored_actuals(engine):
    assert engine.replay_differences() == 0  # the shipped files are in the history from the build
    first = commit(engine, preview(engine, "a.csv", csv_file("Hà Tĩnh,sipas,2023,80,BC 1",
                                                             "Hà Tĩnh,papi_total,2023,50,BC")),
                   replace=True)
    commit(engine, preview(engine, "b.csv", csv_file("Nghệ An,sipas,2023,70,BC 2")))
    imports.undo(engine, first.batch_id, engine.users["lan"])
    assert engine.replay_differences() == 0
    engine.connection.execute("UPDATE actual SET value = value + 1 WHERE province_code = '40' AND period = '2023'"
                              " AND indicator_code = 'sipas'")  # a write that bypassed the engine is found
    assert engine.replay_differences() == 2


def test_an_export_of_the_actuals_imports_back_to_the_same_actuals(engine, users_db, tmp_path):
    """Round trip: the analysts' figures (one of them a 2025 figure of Yên Bái, whose code 15 and year 2025 alone
    would mean the new Lào Cai) are exported, and imported into a database built afresh from data/."""

    from indicators.cli.main import EXPORT_COLUMNS
    from indicators.services.exporting import to_csv

    commit(engine, preview(engine, "a.csv", csv_file("Yên Bái,sipas,2025,77,BC 1", "15,sipas,2025-Q4,79,BC 1",
                                                     "Hà Tĩnh,papi_total,2023,50,BC 2",
                                                     "Nghệ An,sipas,2021-H1,66,BC 3")),
           replace=True)
    exported = to_csv(engine.actuals()[EXPORT_COLUMNS["actuals"]]).encode("utf-8")  # what `export actuals` prints
    from tests.conftest import copy_db

    fresh = copy_db(users_db, tmp_path / "fresh.duckdb")  # built afresh from data/, with its users
    from indicators.storage import open_store
    target = open_store(fresh)
    result = imports.preview(target, "actuals.csv", exported,
                             imports.Context(engine.registry, engine.catalogue, today=date(2026, 11, 23)))
    assert result.ok, [p.text() for p in result.problems[:5]]
    assert result.counts["insert"] == 3 and result.counts["change"] == 1  # the replaced PAPI figure
    imports.commit(target, result, engine.users["lan"], replace=True)
    columns = "province_code, province_valid_from, indicator_code, period, period_kind, value, source, note"
    before = engine.query(f"SELECT {columns} FROM actual ORDER BY ALL")
    after = target.query(f"SELECT {columns} FROM actual ORDER BY ALL")
    target.close()
    assert after.equals(before)
    assert before[(before.province_code == "15")
                  & (before.period == "2025")].province_valid_from.dt.year.tolist() == [2004]
