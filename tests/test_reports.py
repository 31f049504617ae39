"""The periodic report as files (issue 15): the Word file opened with python-docx and checked against the
database (every figure of its tables, the missing ones marked, the section structure, the Decree 30/2020 page),
the one-page brief rendered to PNG and looked at, the charts drawn in one browser, the command line."""

import io
import os
import re
import shutil
import subprocess
from datetime import date, datetime

import pandas as pd
import pytest
from docx import Document

from indicators.cli.main import main
from indicators.domain.registry import Registry
from indicators.domain.tasks import occurrence_table, summary
from indicators.imports import Context, commit, preview
from indicators.reports.charts import ChartsUnavailable, render, report_charts
from indicators.reports.content import report_content, report_period
from indicators.reports.files import Ask, make
from indicators.services.views import Dataset
from tests.conftest import import_rows

HA_TINH = ("42", date(2025, 7, 1))
OLD_HA_TINH = ("42", date(2004, 1, 1))
NEW_TAY_NINH = ("80", date(2025, 7, 1))
TN = "tay-ninh-490-qd-ubnd-2021"
TODAY = date(2026, 12, 1)
MISSING = "chưa có số liệu"


def _docx(ds, key, period, lang="vi", charts=False):
    made = make(ds, Ask(key, period, "docx", lang, TODAY), now=datetime(2026, 12, 1, 9), charts=charts)
    return made, Document(io.BytesIO(made.data))


def _table(doc, first_header):
    """The tables whose header row starts with ``first_header`` (an appendix's), as one header
    and the rows of cell texts after it."""
    out = []
    for table in doc.tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        rows = [r for r in rows if len(set(r)) > 1]          # a reform area's row across the table is no data row
        if rows and rows[0][0] == first_header:
            out += rows if not out else rows[1:]
    if not out:
        raise AssertionError(f"no table headed {first_header}")
    return out


def _number(text, lang="vi"):
    """``1.234,56`` (vi) → 1234.56."""
    text = text.split(" (")[0].replace(" %", "")
    return float(text.replace(".", "").replace(",", ".") if lang == "vi" else text.replace(",", ""))


def test_the_word_file_has_the_decree_30_page_and_the_report_s_sections(ds):
    made, doc = _docx(ds, OLD_HA_TINH, "2020")
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)     # A4
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [20, 20, 30, 15]
    assert doc.styles["Normal"].font.name == "Times New Roman"
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert "ỦY BAN NHÂN DÂN\nTỈNH HÀ TĨNH" in header[0] and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header[1]
    assert "Độc lập - Tự do - Hạnh phúc" in header[1]
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["Số:          /BC-UBND",
                                                             "Hà Tĩnh, ngày      tháng      năm 2020"]
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts and "Kết quả thực hiện công tác cải cách hành chính năm 2020" in texts
    top = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [t.split(".")[0] for t in top] == ["I", "II", "III", "IV", "V", "PHỤ LỤC I", "PHỤ LỤC II", "PHỤ LỤC III",
                                              "PHỤ LỤC IV", "PHỤ LỤC V"]
    # V is for the drafter to write, not invented text
    assert texts[texts.index(top[4]) + 1].startswith("[Cần viết:")
    assert any(t.startswith("Nơi nhận:") for t in (c.text for c in doc.tables[-4].rows[0].cells)) or any(
        "Nơi nhận:" in c.text for t in doc.tables for r in t.rows for c in r.cells)
    # provenance: when and from which database state
    provenance = next(t for t in texts if t.startswith("Báo cáo do hệ thống"))
    assert texts.index(provenance) > texts.index(top[-1])          # the colophon, after the appendices
    batch = int(ds.store.batches().iloc[0].id)
    assert "09:00 01/12/2026" in provenance and ds.store.data_version()[0] in provenance
    assert f"lô nhập gần nhất số {batch}" in provenance
    assert "chốt số liệu 15/12/2019 – 14/12/2020" in next(t for t in texts if t.startswith("Số liệu nhiệm vụ"))


def test_every_figure_of_the_targets_table_is_the_database_s_and_missing_ones_say_so(ds):
    made, doc = _docx(ds, OLD_HA_TINH, "2020")
    rows = {r[0]: r for r in _table(doc, "Mã")[1:]}
    content = made.content
    assert sorted(rows) == sorted(content.targets.target_id)
    assert len(rows) == 49
    stored = ds.actuals  # the figures as the store holds them, looked up again here
    checked = missing = 0
    for target in content.targets.itertuples():
        row = rows[target.target_id]
        latest = row[5]
        if target.status == "no_data":
            assert latest == MISSING
            missing += 1
            continue
        code = target.judged_indicator if isinstance(target.judged_indicator, str) else target.indicator_code
        period = re.search(r"\((\d{4}[^)]*)\)", latest).group(1)
        figures = stored(code)
        value = figures[(figures.province_code == "42") & (figures.period == period)].value
        assert len(value) == 1 and _number(latest) == pytest.approx(round(float(value.iloc[0]), 2))
        checked += 1
    assert checked >= 8 and missing >= 30
    # the appendix holds the plan's own sentence of each target
    appendix = Document(io.BytesIO(made.data)).tables
    quotes = [t for t in appendix if t.rows[0].cells[-1].text == "Nội dung kế hoạch"]
    sentences = {r.cells[0].text: r.cells[-1].text for t in quotes for r in t.rows[1:]}
    assert sentences["HT239-03"] == content.targets.set_index("target_id").source_quote["HT239-03"]


def test_the_indices_table_holds_the_stored_index_values_national_means_and_best(ds):
    _, doc = _docx(ds, OLD_HA_TINH, "2024")
    rows = {r[0]: r for r in _table(doc, "Chỉ số")[1:]}
    papi = rows["PAPI – điểm tổng"]
    stored = ds.actuals("papi_total")
    value = stored[(stored.province_code == "42") & (stored.period == papi[1])].value.iloc[0]
    assert _number(papi[2]) == pytest.approx(round(value, 2))
    rank = ds.actuals("papi_total_rank")
    assert int(papi[3]) == int(rank[(rank.province_code == "42") & (rank.period == papi[1])].value.iloc[0])
    year = stored[stored.period == papi[1]]
    assert "Cao nhất" not in _table(doc, "Chỉ số")[0]          # no other province's figure in the report
    mean = ds.national[(ds.national.indicator_code == "par_index") & (ds.national.statistic == "mean")]
    par = rows["PAR INDEX – điểm tổng"]
    latest = mean.sort_values("period_end").iloc[-1]
    assert par[5] == f"{latest.value:.2f}".replace(".", ",") + f" ({latest.period}, công bố)"
    # PAPI publishes no national mean here: the report computes one, says so and over how many provinces
    assert papi[5] == f"{year.value.mean():.2f}".replace(".", ",") + f" ({papi[1]}, tính: trung bình {len(year)} tỉnh)"
    assert papi[6] and "PAPI" in papi[6].upper()        # each index with its source


def test_task_progress_in_the_file_is_the_stored_progress_per_lead_body(store):
    registry = Registry(store.provinces(), store.province_aliases())
    from indicators.services.auth import add_user
    from tests.conftest import PASSWORD

    admin = add_user(store, None, "admin1", PASSWORD, "admin")
    rows = pd.DataFrame([["239/KH-UBND", "1.2", "", "hoàn thành", "2017-05-10", "QĐ 1234/QĐ-UBND", "2017-05-10", ""],
                         ["239/KH-UBND", "4.2", "", "hoàn thành", "2020-11-02", "", "", ""]],
                        columns=["plan", "ref", "occurrence", "status", "completed_on", "evidence", "evidence_date",
                                 "note"])
    result = preview(store, "p.csv", rows.to_csv(index=False).encode(),
                     Context(registry, store.indicators(), today=TODAY))
    commit(store, result, admin)
    ds = Dataset.load(store)
    made, doc = _docx(ds, OLD_HA_TINH, "2020")
    occurrences = occurrence_table(ds.tasks[ds.tasks.plan_id == "ha-tinh-239-kh-ubnd-2016"], ds.progress,
                                   date(2020, 12, 14))
    expected = summary(occurrences)
    sentence = next(p.text for p in doc.paragraphs if f"Đã hoàn thành {expected.done}/{expected.total} " in p.text)
    share = f"{100 * expected.done / expected.total:.2f}".replace(".", ",")
    # the reports missing come first, then what was done
    assert sentence.startswith(f"Đã nhận báo cáo {expected.reported_due}/{expected.due} nhiệm vụ đến hạn")
    assert f"Đã hoàn thành {expected.done}/{expected.total} nhiệm vụ ({share} %);" in sentence
    assert f"; {expected.overdue} nhiệm vụ quá hạn; trong kỳ hoàn thành 1 nhiệm vụ." in sentence  # 4.2 in 2020
    by_unit = {r[0]: r for r in _table(doc, "Cơ quan chủ trì")[1:]}
    snv = by_unit["Sở Nội vụ Hà Tĩnh"]
    lead = occurrences[occurrences.lead_unit_codes.fillna("").str.split(";").map(lambda c: "42-SNV" in c)]
    assert (int(snv[1]), int(snv[2]), int(snv[4])) == (len(lead), int((lead.status == "done").sum()),
                                                       int(lead.overdue.sum()))
    tasks = [t for t in doc.tables if t.rows[0].cells[0].text == "Mục"][0]
    done = [[c.text for c in r.cells] for r in tasks.rows[1:] if r.cells[0].text.split("\n")[-1] == "1.2"]
    # the plan's number stands by the item only when the report covers several plans; by the status, the day done
    # and the evidence
    assert len(made.content.plans) == 1
    assert done == [["1.2", done[0][1], done[0][2], "31/12/2017", "Hoàn thành 10/05/2017\nQĐ 1234/QĐ-UBND"]]


def test_new_tay_ninh_closes_the_2021_2025_programme_on_its_own_2025_figures(store):
    import_rows(store, [("80", date(2025, 7, 1), "satisfaction_procedures_pct", "2025", 92.0)],
                source="Báo cáo CCHC năm 2025 của UBND tỉnh Tây Ninh")
    ds = Dataset.load(store)
    made, doc = _docx(ds, NEW_TAY_NINH, f"plan:{TN}")
    header = doc.tables[0].rows[0].cells[0].text
    assert "TỈNH TÂY NINH" in header
    assert ("Tổng kết Chương trình hành động thực hiện Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XI về cải "
            "cách hành chính giai đoạn 2021–2025 của tỉnh Tây Ninh (cũ)") in [p.text for p in doc.paragraphs]
    rows = {r[0]: r for r in _table(doc, "Mã")[1:]}
    assert set(rows) == {f"TN490-{i:02d}" for i in range(1, 12)}
    assert rows["TN490-02"][5] == "92,0 (2025) · Tây Ninh (từ 01/07/2025)" and rows["TN490-02"][6] == "Đã đạt"
    assert rows["TN490-01"][5] == MISSING
    english = make(ds, Ask(NEW_TAY_NINH, f"plan:{TN}", "docx", "en", TODAY), charts=False)
    doc_en = Document(io.BytesIO(english.data))
    assert "OF TAY NINH PROVINCE" in doc_en.tables[0].rows[0].cells[0].text
    assert {r[0]: r for r in _table(doc_en, "ID")[1:]}["TN490-02"][5] == "92.0 (2025) · Tây Ninh (from 01/07/2025)"


def test_text_from_the_database_reaches_the_files_as_plain_text(store):
    """A unit name made of markup and a control character: the brief's paragraphs print it as written (reportlab
    reads markup), the Word file holds it with each control character shown as a visible mark (issue 25)."""
    from reportlab.lib.styles import ParagraphStyle

    from indicators.reports.brief import p
    from indicators.reports.word import clean

    assert p("<b>Sở</b> & <font size=40>x</font>", ParagraphStyle("s")).getPlainText() == \
        "<b>Sở</b> & <font size=40>x</font>"
    assert clean("=HYPERLINK(\"x\")\x01\x0b\u202e") == "=HYPERLINK(\"x\")⟨U+0001⟩⟨U+000B⟩⟨U+202E⟩"
    ds = Dataset.load(store)
    content = report_content(ds, OLD_HA_TINH, report_period("2020"), today=TODAY)
    content.tasks_by_unit.loc[0, "unit_name"] = "<script>alert(1)</script>\x07"
    from indicators.reports.brief import write_brief
    from indicators.reports.word import write_docx

    doc = Document(io.BytesIO(write_docx(content, [], "vi")))
    assert "<script>alert(1)</script>⟨U+0007⟩" in [r[0] for r in _table(doc, "Cơ quan chủ trì")]
    assert write_brief(content, "vi").startswith(b"%PDF")


def test_the_brief_is_one_page_and_not_blank(ds, tmp_path):
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("poppler-utils: the README test command installs it")
    made = make(ds, Ask(OLD_HA_TINH, "2020", "pdf", today=TODAY))
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(made.data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    image = Image.open(tmp_path / "page.png").convert("L")
    dark = sum(image.histogram()[:128])                   # pixels darker than mid-grey
    assert dark > 0.01 * image.width * image.height          # text and the status boxes, not a white page
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Tóm tắt cải cách hành chính" in text and "HT239-03" in text and "Nhiệm vụ quá hạn" in text
    # nothing was reported in 2020: the brief says so first, per lead body too, and calls nothing late
    flat = " ".join(text.split())
    assert "nhiệm vụ đến hạn chưa có báo cáo — chưa đánh giá được tiến độ" in flat
    assert "Mức đầy đủ báo cáo" in flat and "Sở Nội vụ Hà Tĩnh 0/45 0 29 0,0 %" in flat


def test_the_charts_are_the_pages_charts_drawn_in_one_browser(ds, monkeypatch):
    content = report_content(ds, OLD_HA_TINH, report_period("2024"), today=TODAY)
    charts = report_charts(ds, content, "vi")
    assert 3 <= len(charts) <= 10 and charts[0].title == "Tình trạng các mục tiêu"
    assert "PAPI – điểm tổng" in [c.title for c in charts]
    if shutil.which("chromium") is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("Debian's chromium: the README test command installs it")
    render(charts)
    assert charts and all(c.png.startswith(b"\x89PNG") and len(c.png) > 5000 for c in charts)
    # without a browser the report is still written, saying where each chart would be
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(ChartsUnavailable):
        render(report_charts(ds, content, "vi"))
    made = make(ds, Ask(OLD_HA_TINH, "2024", "docx", today=TODAY))
    assert made.charts == 0 and "no Chromium" in made.chart_note
    paragraphs = [p.text for p in Document(io.BytesIO(made.data)).paragraphs]
    assert any(p.startswith("[Biểu đồ chưa vẽ được") for p in paragraphs)


def test_the_report_command_writes_both_files(built_db, tmp_path, capsys):
    out = tmp_path / "bc.docx"
    assert main(["report", "--province", "80", "--period", f"plan:{TN}", "--no-charts", "-o", str(out),
                 "--db", str(built_db)]) == 0
    assert "Tây Ninh" in capsys.readouterr().err
    assert [t.rows[0].cells[0].text for t in Document(str(out)).tables][:1]
    brief = tmp_path / "bc.pdf"
    assert main(["report", "--province", "Hà Tĩnh", "--period", "2020", "--format", "pdf", "--lang", "en",
                 "-o", str(brief), "--db", str(built_db)]) == 0
    assert brief.read_bytes().startswith(b"%PDF")
    assert main(["report", "--province", "42", "--period", "2026-05", "--db", str(built_db)]) == 2
    assert "a quarter, a half, a year or a plan" in capsys.readouterr().err


def test_the_province_s_own_index_of_its_units_is_in_section_ii_and_the_appendix(store):
    from indicators.services.auth import add_user
    from tests.conftest import PASSWORD

    analyst = add_user(store, add_user(store, None, "admin1", PASSWORD, "admin"), "analyst1", PASSWORD, "analyst")
    header = "province,unit,year,stage,criterion,criterion_name,max_points,points\n"
    rows = "".join(f"80,80-SNV,{y},appraised,1,Công tác chỉ đạo điều hành CCHC,10,\n" for y in (2025, 2026))
    rows += "".join(f"80,{unit},{y},appraised,1,,,{points}\n"
                    for unit, y, points in (("80-SNV", 2025, 6), ("80-STP", 2025, 8), ("80-SNV", 2026, 9),
                                            ("80-STP", 2026, 7.5)))
    result = preview(store, "i.csv", (header + rows).encode(), Context.of(store, today=TODAY))
    assert result.ok, [p.en for p in result.problems]
    commit(store, result, analyst)
    ds = Dataset.load(store)
    made, doc = _docx(ds, NEW_TAY_NINH, "2026")
    line = next(p.text for p in doc.paragraphs if p.text.startswith("Sở, ban, ngành:"))
    assert line == ("Sở, ban, ngành: 2 đơn vị được thẩm định; cao nhất Sở Nội vụ Tây Ninh (9,00 điểm), thấp nhất "
                    "Sở Tư pháp Tây Ninh (7,50 điểm).")
    league_rows = {r[1]: r for r in _table(doc, "Thứ hạng")[1:]}
    assert league_rows["Sở Nội vụ Tây Ninh"][:5] == ["1", "Sở Nội vụ Tây Ninh", MISSING, "9,00", "+3,00"]
    assert league_rows["Sở Tư pháp Tây Ninh"][:5] == ["2", "Sở Tư pháp Tây Ninh", MISSING, "7,50", "-0,50"]
