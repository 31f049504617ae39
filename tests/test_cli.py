"""The CLI contract: build, export, status (run as `python -m indicators`)."""

import csv
import io
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from indicators.cli.main import main
from indicators.i18n import label
from indicators.services.building import build
from indicators.storage import open_store
from tests.conftest import REPO, import_rows


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_targets_lists_every_target_with_its_sentence(capsys, built_db):
    code, out, _ = run(capsys, "export", "targets", "--db", str(built_db))
    targets = rows(out)
    assert code == 0 and len(targets) == 63
    required = ["province_code", "province_name", "indicator_code", "comparator", "target_value", "target_high",
                "baseline_period", "baseline_value", "start_period", "deadline_period", "recurring",
                "plan_number", "source_quote"]
    assert set(required) <= set(targets[0])
    assert targets and all(t["source_quote"] for t in targets)
    headcount = next(t for t in targets if t["target_id"] == "HT239-22")
    assert (headcount["comparator"], headcount["target_value"], headcount["baseline_period"]) == ("<=", "-10.0", "2015")


def test_export_provinces_has_both_lists_with_the_successor_mapping(capsys, built_db):
    code, out, _ = run(capsys, "--db", str(built_db), "export", "provinces")
    provinces = rows(out)
    assert code == 0 and len(provinces) == 98
    old = [p for p in provinces if p["valid_to"] == "2025-06-30"]
    assert len(old) == 63 and all(p["successor_code"] for p in old)
    long_an = next(p for p in old if p["name"] == "Long An")
    assert (long_an["code"], long_an["successor_code"]) == ("80", "80")
    assert set(long_an) >= {"code", "name", "name_ascii", "valid_from", "valid_to", "successor_code"}


@pytest.mark.parametrize("kind, columns", [
    ("indicators", ["code", "name_vi", "name_en", "unit", "direction", "min_value", "max_value", "family"]),
    ("actuals", ["province_code", "province_name", "indicator_code", "period", "value", "source", "batch_id"]),
])
def test_export_has_the_promised_columns(capsys, built_db, kind, columns):
    code, out, _ = run(capsys, "export", kind, "--db", str(built_db))
    header = next(csv.reader(io.StringIO(out)))
    assert code == 0 and set(columns) <= set(header)


def test_exported_text_cells_that_look_like_formulas_are_escaped(capsys, built_db):
    _, out, _ = run(capsys, "export", "targets", "--db", str(built_db))
    training = next(t for t in rows(out) if t["target_id"] == "HT239-46")
    assert training["source_quote"] == "'-10 lớp tập huấn/5 năm."
    assert training["target_value"] == "10.0"


def test_status_judges_recurring_targets_year_by_year_against_actuals(capsys, tmp_path):
    db = tmp_path / "kpi.duckdb"
    store = open_store(db)
    build(store)
    key = ("42", date(2004, 1, 1))
    sample = pd.DataFrame([(*key, "par_index_rank", str(y), r) for y, r in
                           [(2016, 3), (2017, 19), (2018, 5), (2020, 2)]],
                          columns=["province_code", "province_valid_from", "indicator_code", "period", "value"])
    import_rows(store, sample, source="test sample")
    store.close()
    code, out, _ = run(capsys, "status", "--province", "42", "--year", "2021", "--db", str(db), "--format", "csv")
    judged = [r for r in rows(out) if r["target_id"] == "HT239-01"]
    assert code == 0
    assert [(r["judged_year"], r["status"]) for r in judged] == [
        ("2016", "achieved"), ("2017", "missed"), ("2018", "achieved"), ("2019", "no_data"), ("2020", "achieved")]


def test_status_of_a_new_province_includes_the_targets_of_the_old_ones(capsys, built_db):
    code, out, _ = run(capsys, "status", "--province", "80", "--db", str(built_db))
    assert code == 0
    assert "Tây Ninh (72), Long An (80)" in out
    assert "TN490-01" in out


def test_status_reads_the_code_as_meant_in_the_year_asked(capsys, built_db):
    code, out, _ = run(capsys, "status", "--province", "15", "--year", "2020", "--db", str(built_db))
    assert code == 0 and "Yên Bái" in out and "no targets" in out
    code, out, _ = run(capsys, "status", "--province", "Lao Cai", "--year", "2012", "--db", str(built_db))
    assert code == 0 and "LC02-01" in out


def test_status_of_an_unknown_province_fails_with_a_message(capsys, built_db):
    code, _, err = run(capsys, "status", "--province", "Atlantis", "--db", str(built_db))
    assert code == 2 and "not a known province" in err


@pytest.mark.slow  # fresh interpreters
def test_the_module_runs_as_a_command_and_honours_kpi_db(tmp_path):
    db = tmp_path / "env.duckdb"
    env = {"KPI_DB": str(db), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "indicators", "export", "indicators"], cwd=REPO,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "build --if-needed" in result.stderr  # a read never writes (builds)
    assert not db.exists()
    subprocess.run([sys.executable, "-m", "indicators", "build", "--if-needed"], cwd=REPO, check=True, env=env)
    result = subprocess.run([sys.executable, "-m", "indicators", "export", "indicators"], cwd=REPO,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("code,name_vi,name_en")
    assert db.exists()


def test_export_actuals_holds_papi_pci_and_the_published_figures_each_with_a_source(capsys, built_db):
    code, out, _ = run(capsys, "export", "actuals", "--db", str(built_db))
    actuals = pd.DataFrame(rows(out))
    assert code == 0 and (actuals.source.str.len() > 5).all()
    papi_totals = actuals[actuals.indicator_code == "papi_total"]
    assert len(papi_totals) == 63 * 14 - 9 - 4  # 9 unpublished rows; 4 totals missing a dimension (2018, 2022)
    pci_years = set(actuals[actuals.indicator_code == "pci_total"].period)
    # 2005–2022 from full tables; 2023 and 2024 only the published top totals (and Lâm Đồng's 2024 figure)
    assert {str(y) for y in range(2005, 2025)} == pci_years
    par = actuals[(actuals.indicator_code == "par_index") & (actuals.period == "2023")]
    assert set(par.province_name) == {"Quảng Ninh", "Hải Phòng", "Hà Nội", "Bắc Giang", "Bà Rịa - Vũng Tàu"}
    lam_dong = actuals[(actuals.province_code == "68") & (actuals.period == "2024")]
    assert dict(zip(lam_dong.indicator_code, lam_dong.value.astype(float)))["sipas"] == 83.0


def test_export_national_gives_the_reference_lines(capsys, built_db):
    code, out, _ = run(capsys, "export", "national", "--db", str(built_db))
    national = rows(out)
    assert code == 0 and {(r["indicator_code"], r["period"], r["value"]) for r in national} >= {("sipas", "2023",
                                                                                                 "82.66")}


def test_status_of_ha_tinh_judges_its_papi_rank_targets_on_the_real_ranks(capsys, built_db):
    code, out, _ = run(capsys, "status", "--province", "42", "--db", str(built_db), "--format", "csv")
    transparency = [(r["judged_year"], r["actual"], r["status"]) for r in rows(out) if r["target_id"] == "HT239-03"]
    assert code == 0
    assert transparency == [("2016", "10.0", "missed"), ("2017", "3.0", "achieved"), ("2018", "7.0", "missed"),
                            ("2019", "19.0", "missed"), ("2020", "9.0", "missed")]


def test_import_dry_run_import_history_and_undo_from_the_command_line(capsys, tmp_path, users_db, monkeypatch):
    from tests.conftest import PASSWORD, copy_db

    db = copy_db(users_db, tmp_path / "cli.duckdb")
    good = tmp_path / "so-lieu.csv"
    good.write_text("tỉnh;chỉ tiêu;kỳ;giá trị;nguồn\nHà Tĩnh;sipas;2023;\"81,5\";BC 9\n", encoding="utf-8")
    bad = tmp_path / "sai.csv"
    bad.write_text("province,indicator,period,value,source\nAtlantis,sipas,2023,81,BC\nHà Tĩnh,sipas,2023,abc,BC\n")
    code, _, err = run(capsys, "import", str(bad), "--dry-run", "--db", str(db))
    assert code == 1 and "row 2, column A (province)" in err and "row 3, column D (value)" in err
    assert "nothing was written" in err
    code, _, err = run(capsys, "import", str(good), "--dry-run", "--db", str(db))
    assert code == 0 and "insert 1" in err and "dry run" in err
    monkeypatch.setenv("KPI_PASSWORD", "not the password")
    code, _, err = run(capsys, "import", str(good), "--user", "lan", "--db", str(db))
    assert code == 2 and "wrong user name or password" in err
    monkeypatch.setenv("KPI_PASSWORD", PASSWORD)
    code, _, err = run(capsys, "import", str(good), "--user", "viewer", "--db", str(db))
    assert code == 2 and "viewer" in err
    code, _, err = run(capsys, "import", str(good), "--user", "lan", "--db", str(db))
    assert code == 0 and "inserted 1" in err
    batch = int(err.split("batch ")[1].split(":")[0])
    code, out, _ = run(capsys, "history", "--batch", str(batch), "--db", str(db))
    trail = rows(out)
    assert [(r["action"], r["new_value"], r["changed_by"], r["file_name"]) for r in trail] == [
        ("insert", "81.5", "lan", "so-lieu.csv")]
    code, _, err = run(capsys, "undo", str(batch), "--user", "lan", "--db", str(db))
    assert code == 0 and "1 rows restored" in err
    code, out, _ = run(capsys, "batches", "--db", str(db))
    assert rows(out)[0]["undone_by"] == "lan"


def test_status_of_a_successor_names_the_plans_it_inherited(capsys, built_db):
    code, out, _ = run(capsys, "status", "--province", "80", "--db", str(built_db))
    assert code == 0
    assert "inherited plan: 490/QĐ-UBND of Tây Ninh (2021–2025)" in out


def test_the_command_line_speaks_vietnamese_with_kpi_lang_vi_and_english_without(capsys, built_db, monkeypatch):
    """$KPI_LANG=vi turns the command's texts (its refusals, what it prints, its help) and the refusals of the
    services it calls into Vietnamese; without it (or with a language that has no catalogue) they stay English."""
    refused = ["users", "set", "lan", "--disable", "--enable", "--db", str(built_db)]
    status = ["status", "--province", "80", "--db", str(built_db)]
    report = ["report", "--province", "42", "--period", "2020", "-o", "bc.txt", "--db", str(built_db)]
    monkeypatch.delenv("KPI_LANG", raising=False)
    assert run(capsys, *refused) == (2, "", "error: --disable and --enable together: nothing was changed\n")
    code, out, _ = run(capsys, *status)
    assert code == 0 and "inherited plan: 490/QĐ-UBND of Tây Ninh (2021–2025)" in out
    assert "trạng thái" not in out and "composite indices (latest up to" in out
    assert run(capsys, *report)[2] == \
        "error: the output file bc.txt must end in .docx (the report) or .pdf (the brief)\n"
    monkeypatch.setenv("KPI_LANG", "xx")
    assert run(capsys, *refused)[2] == "error: --disable and --enable together: nothing was changed\n"

    monkeypatch.setenv("KPI_LANG", "vi")
    assert run(capsys, *refused) == (2, "", "lỗi: không dùng --disable cùng --enable: không có gì thay đổi\n")
    code, out, _ = run(capsys, *status)
    assert code == 0 and "kế hoạch kế thừa: 490/QĐ-UBND của Tây Ninh (2021–2025)" in out
    assert "— trạng thái tại cuối năm" in out and "các chỉ số tổng hợp (mới nhất đến năm" in out
    assert "inherited plan" not in out and "composite indices" not in out
    code, _, err = run(capsys, *report)      # a service's bilingual refusal, in the command line's language
    assert code == 2 and err == "lỗi: " + label("output_suffix", "vi", name="bc.txt") + "\n" and ".docx" in err
    assert run(capsys, *report, "--lang", "en")[2].startswith("error: the output file bc.txt")    # --lang wins
    with pytest.raises(SystemExit):
        main(["users", "--help"])
    shown = capsys.readouterr().out            # argparse's own words stay its own
    assert "thêm người dùng" in shown and "tệp DuckDB hoặc" in shown and "positional arguments" in shown


def test_every_command_speaks_the_language_of_its_lang_option(capsys, built_db, tmp_path, monkeypatch):
    """``--lang vi`` (before or after the command) turns what a command prints into Vietnamese, whatever
    $KPI_LANG says, and ``--lang en`` into English: the status table's headings, requirements and statuses, a
    unit's tasks, an import's summary and its refusals with their suggestions."""
    monkeypatch.setenv("KPI_LANG", "en")
    code, out, _ = run(capsys, "status", "--province", "42", "--year", "2020", "--lang", "vi", "--db", str(built_db))
    assert code == 0 and "Trạng thái" in out and "Yêu cầu" in out and "nằm trong nhóm 10 tỉnh dẫn đầu" in out
    assert "Đã đạt" in out and "Không đạt" in out and "Hằng năm" in out
    for english in ("requirement_en", "status", "achieved", "missed", "no_data", "True", "recurring"):
        assert english not in out, english
    monkeypatch.setenv("KPI_LANG", "vi")
    code, out, _ = run(capsys, "--lang", "en", "status", "--province", "42", "--year", "2020", "--db", str(built_db))
    assert code == 0 and "Requirement" in out and "in the top 10" in out and "Achieved" in out
    assert "Đã đạt" not in out and "Yêu cầu" not in out

    code, out, _ = run(capsys, "status", "--unit", "42-SNV", "--lang", "vi", "--db", str(built_db))
    assert code == 0 and "(42-SNV, Sở)" in out and "[Chưa bắt đầu]" in out and "not_started" not in out

    bad = tmp_path / "sai.csv"
    bad.write_text("tỉnh;chỉ tiêu;kỳ;giá trị;nguồn\nHà Tĩnh;papi totl;2023;45;BC\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(bad), "--dry-run", "--lang", "vi", "--db", str(built_db))
    assert code == 1 and err.splitlines() == [
        "sai.csv: Số liệu thực hiện, bố cục dọc (mỗi dòng một số liệu) — thêm 0, sửa 0, giữ nguyên 0, bị từ chối 1",
        "  dòng 2, cột B (chỉ tiêu): 'papi totl' không phải mã chỉ tiêu đã biết (xem mẫu) — bạn có muốn nói "
        "‘papi_total’?",
        "không ghi gì"]
    code, _, err = run(capsys, "import", str(bad), "--dry-run", "--lang", "en", "--db", str(built_db))
    assert code == 1 and err.splitlines()[0] == \
        "sai.csv: Actuals, long layout (one figure a row) — insert 0, change 0, unchanged 0, rejected 1"
    assert err.splitlines()[-1] == "nothing was written"
