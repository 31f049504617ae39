"""Issue 26, point 6: a target's requirement in words, in the reader's language ("nằm trong nhóm 5 tỉnh dẫn đầu" /
"in the top 5", "đạt 100 %" / "reach 100 %"), on every comparator of the schema and of the shipped plans; and the
pages, the report and the charts that show them."""

import json
from datetime import date
from glob import glob

import pytest
import yaml

from indicators.domain.scorecard import requirement_text, requirement_words
from indicators.reference.loader import DATA_DIR
from tests.test_app import app, open_page  # noqa: F401 - the fixture


def target(comparator: str, value: float, high: float | None = None, unit: str | None = None,
           baseline: str | None = None) -> dict:
    return {"comparator": comparator, "target_value": value, "target_high": high, "unit": unit,
            "baseline_period": baseline}


CASES = [  # (target, Vietnamese, English)
    (target(">=", 100, unit="percent"), "đạt 100 %", "reach 100 %"),
    (target(">=", 80, unit="percent"), "đạt từ 80 % trở lên", "reach at least 80 %"),
    (target(">=", 143, unit="count"), "đạt từ 143 trở lên", "reach at least 143"),
    (target(">=", 1250.5, unit="point"), "đạt từ 1.250,5 điểm trở lên", "reach at least 1,250.5 points"),
    (target(">=", 1, unit="milestone"), "hoàn thành", "done"),
    (target(">", 90, unit="percent"), "đạt trên 90 %", "reach more than 90 %"),
    (target(">", 47.35, unit="point"), "đạt trên 47,35 điểm", "reach more than 47.35 points"),
    (target("<=", 50, unit="percent"), "không quá 50 %", "at most 50 %"),
    (target("<=", 10), "không quá 10", "at most 10"),
    (target("<", 14.5, unit="point"), "dưới 14,5 điểm", "below 14.5 points"),
    (target("between", 20, 30, unit="percent"), "từ 20 đến 30 %", "between 20 and 30 %"),
    (target("between", 2, 3.5, unit="months"), "từ 2 đến 3,5 tháng lương", "between 2 and 3.5 months' salary"),
    (target("rank<=", 5, unit="rank"), "nằm trong nhóm 5 tỉnh dẫn đầu", "in the top 5"),
    (target("rank<=", 10), "nằm trong nhóm 10 tỉnh dẫn đầu", "in the top 10"),
    (target("rank<=", 1, unit="rank"), "đứng đầu cả nước", "ranked first"),
    (target("<=", 3, unit="rank"), "nằm trong nhóm 3 tỉnh dẫn đầu", "in the top 3"),
    (target("<", 3, unit="rank"), "xếp trên hạng 3", "ranked above 3"),
    (target(">=", 30, unit="rank"), "xếp từ hạng 30 trở xuống", "ranked 30 or lower"),
    (target("<=", 2, unit="tier"), "thuộc nhóm 2 trở lên", "in tier 2 or better"),
    (target("<=", -10, unit="percent", baseline="2015"), "giảm ít nhất 10 % so với 2015",
     "a cut of at least 10 % against 2015"),
    (target("<", -10, unit="percent", baseline="2016..2020"), "giảm hơn 10 % so với 2016–2020",
     "a cut of more than 10 % against 2016–2020"),
    (target("<=", -10, unit="percent"), "không quá -10 %", "at most -10 %"),   # no baseline: no "cut" to speak of
]


@pytest.mark.parametrize("row, vi, en", CASES, ids=[f"{c[0]['comparator']} {c[0]['target_value']} {c[0]['unit']}"
                                                     for c in CASES])
def test_every_comparator_in_words_in_both_languages(row, vi, en):
    assert requirement_words(row, "vi") == vi
    assert requirement_words(row, "en") == en


def test_the_formula_stays_for_machine_columns():
    assert requirement_text(target("rank<=", 5)) == "rank <= 5"
    assert requirement_text(target(">=", 100)) == ">= 100"
    assert requirement_text(target("between", 20, 30)) == "20–30"


def schema_comparators() -> list[str]:
    schema = json.loads((DATA_DIR / "schema" / "plan.schema.json").read_text(encoding="utf-8"))
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if "comparator" in node.get("properties", {}) and "enum" in node["properties"]["comparator"]:
                found.update(node["properties"]["comparator"]["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(schema)
    return sorted(found)


def test_the_schema_lists_the_comparators_these_tests_word():
    assert schema_comparators() == sorted({c[0]["comparator"] for c in CASES})


@pytest.mark.parametrize("comparator", schema_comparators())
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_comparator_of_the_schema_is_shown_as_a_formula(comparator, lang):
    for unit in ("percent", "point", "count", "rank", "months", "milestone", "tier", None):
        words = requirement_words(target(comparator, 5, 8 if comparator == "between" else None, unit), lang)
        assert not any(sign in words for sign in ("<", ">", "=")), (comparator, unit, words)
        assert words[0].isalpha(), words  # a phrase, never a bare figure or a sign (a formula in a spreadsheet)


def shipped_targets() -> list[dict]:
    catalogue = yaml.safe_load((DATA_DIR / "indicators.yaml").read_text(encoding="utf-8"))
    units = {i["code"]: i["unit"] for i in catalogue["indicators"]}
    rows = []
    for path in sorted(glob(str(DATA_DIR / "plans" / "*.yaml"))):
        for t in yaml.safe_load(open(path, encoding="utf-8")).get("targets", []):
            rows.append({"id": t["id"], "comparator": t["comparator"], "target_value": t["value"],
                         "target_high": t.get("value_high"), "unit": units[t["indicator"]],
                         "baseline_period": t.get("baseline_period")})
    return rows


def test_every_shipped_target_reads_as_words():
    rows = shipped_targets()
    assert len(rows) > 50
    for row in rows:
        for lang in ("vi", "en"):
            words = requirement_words(row, lang)
            assert not any(sign in words for sign in ("<", ">", "=")) and words[0].isalpha(), (row["id"], words)
    by_id = {r["id"]: r for r in rows}
    assert requirement_words(by_id["HT239-02"], "vi") == "nằm trong nhóm 5 tỉnh dẫn đầu"
    assert requirement_words(by_id["HT239-22"], "en") == "a cut of at least 10 % against 2015"


def test_the_judged_targets_carry_the_words_of_both_languages_beside_the_formula(ds):
    from indicators.services.views import judged_targets

    judged = judged_targets(ds, None, 2024).set_index("target_id")
    assert judged.loc["HT239-02", "requirement"] == "rank <= 5"
    assert judged.loc["HT239-02", "requirement_vi"] == "nằm trong nhóm 5 tỉnh dẫn đầu"
    assert judged.loc["HT239-02", "requirement_en"] == "in the top 5"


def test_the_report_s_target_table_writes_the_requirement_in_words(ds):
    from indicators.reports.content import content_of
    from indicators.reports.word import target_rows

    content = content_of(ds, ("42", date(2004, 1, 1)), "2020", date(2021, 6, 30))
    for lang, top in (("vi", "nằm trong nhóm 5 tỉnh dẫn đầu"), ("en", "in the top 5")):
        rows = {r[0]: r for r in target_rows(content, lang, {}, quotes=False)}
        assert rows["HT239-03"][3] == top


def test_the_charts_name_a_target_by_its_words(ds):
    from indicators.services import charts
    from indicators.services.comparisons import (
        indicator_changes,
        province_series,
        ranking,
        reference_lines,
        threshold_for,
    )
    from indicators.services.views import scope

    keys = scope(ds, ("42", date(2004, 1, 1)))
    code = "papi_d2_transparency_rank"
    targets = threshold_for(ds, keys, code)
    figure = charts.indicator_trend(province_series(ds, keys, code), targets, reference_lines(ds, code),
                                    ds.indicator(code), indicator_changes(ds, code), "en")
    assert "Target HT239-03: in the top 5" in [trace.name for trace in figure.data]
    bars = charts.ranking_bar(ranking(ds, code, 2020), ds.indicator(code), targets, set(), "vi")
    assert bars.layout.annotations[0].hovertext == "Mục tiêu HT239-03: nằm trong nhóm 5 tỉnh dẫn đầu"


# --- the pages ----------------------------------------------------------------------------------------------------

def test_the_plans_page_shows_requirements_in_words(app):  # noqa: F811
    at = open_page(app, "pages/plans.py", lang="en")
    assert not at.exception
    targets = next(f.value for f in at.dataframe if "Requirement" in f.value.columns)
    shown = dict(zip(targets["ID"], targets["Requirement"]))
    assert shown["HT239-03"] == "in the top 5" and shown["HT239-27"] == "between 2 and 3 months' salary"
    assert not any(str(v).startswith((">", "<", "rank")) for v in targets["Requirement"])


def test_the_data_page_shows_requirements_in_words_and_offers_them_for_download(app):  # noqa: F811
    at = open_page(app, "pages/data.py")
    assert not at.exception
    targets = next(f.value for f in at.dataframe if "Yêu cầu" in f.value.columns)
    assert len(targets) and not any(str(v).startswith((">", "<", "rank")) for v in targets["Yêu cầu"])
    assert any(v.startswith(("đạt", "nằm trong", "không quá", "từ ", "giảm", "hoàn thành")) for v in targets["Yêu cầu"])
    assert [b for b in at.get("download_button") if b.proto.id and "download_data_targets" in b.proto.id]
