"""Issue 26: every summary sentence leads with coverage, and none presents missing data as good news. Each
generator with all-missing, partly missing and complete inputs, in both languages."""

import pytest

from indicators.domain.summaries import (
    attention_sentence,
    late_tasks_sentence,
    nothing_wrong_sentence,
    targets_sentence,
    tasks_report_sentence,
)
from indicators.domain.tasks import Summary

ALL_MISSING = {"no_data": 11}
PART = {"missed": 1, "no_data": 4, "achieved": 2}
COMPLETE = {"missed": 1, "on_track": 3, "achieved": 2}
CLEAN = {"on_track": 3, "achieved": 2}
GOOD_NEWS = ("Không có mục tiêu", "No target", "không ghi nhận", "records no", "Không có nhiệm vụ quá hạn",
             "No task is overdue")
# tasks: nothing reported, part reported, all reported (total, done, late, in progress, not reported, due, reported)
NO_REPORTS = Summary(46, 0, 0, 0, 8, 8, 0)
SOME_REPORTS = Summary(10, 3, 1, 1, 2, 6, 4)
ALL_REPORTS = Summary(10, 5, 0, 2, 0, 5, 5)


def test_targets_sentence_leads_with_coverage():
    assert targets_sentence(ALL_MISSING, "vi") == "11/11 mục tiêu chưa có số liệu — chưa đánh giá được."
    assert targets_sentence(ALL_MISSING, "en") == "11 of 11 targets have no figure — none can be assessed yet."
    assert targets_sentence(PART, "vi") == ("4/7 mục tiêu chưa có số liệu — chưa đánh giá được; 3 mục tiêu có số liệu: "
                                            "1 không đạt, 2 đã đạt.")
    assert targets_sentence(COMPLETE, "vi") == "6 mục tiêu: 1 không đạt, 3 đúng tiến độ, 2 đã đạt."
    assert targets_sentence({}, "en") == "No targets."


def test_attention_sentence_never_says_nothing_is_at_risk_over_missing_figures():
    for lang in ("vi", "en"):
        assert not attention_sentence(ALL_MISSING, lang).startswith(GOOD_NEWS)
        assert not attention_sentence({"no_data": 2, "on_track": 1}, lang).startswith(GOOD_NEWS)
    assert attention_sentence(ALL_MISSING, "vi") == ("11/11 mục tiêu chưa có số liệu — chưa đánh giá được mục tiêu "
                                                     "nào đạt hay không đạt.")
    assert attention_sentence(PART, "vi") == ("1 mục tiêu cần quan tâm (1 không đạt); 4/7 mục tiêu chưa có số liệu "
                                              "nên chưa đánh giá được.")
    assert attention_sentence(CLEAN, "vi") == "Không có mục tiêu không đạt, chậm hay có nguy cơ."
    assert attention_sentence(COMPLETE, "en") == "1 targets need attention (1 missed)."


def test_late_tasks_sentence_knows_unreported_from_late():
    assert late_tasks_sentence(NO_REPORTS, "vi") == ("8/8 nhiệm vụ đến hạn chưa có báo cáo — chưa biết nhiệm vụ nào "
                                                     "quá hạn.")
    assert late_tasks_sentence(SOME_REPORTS, "en") == "1 tasks late (reported, not done)."
    assert late_tasks_sentence(Summary(10, 3, 0, 1, 2, 6, 4), "vi").startswith(
        "Không có nhiệm vụ nào được báo cáo là quá hạn; 2/6 nhiệm vụ đến hạn chưa có báo cáo")
    assert late_tasks_sentence(ALL_REPORTS, "vi") == "Không có nhiệm vụ quá hạn."
    for lang in ("vi", "en"):
        assert not late_tasks_sentence(NO_REPORTS, lang).startswith(GOOD_NEWS)


def test_tasks_report_sentence_puts_the_missing_reports_first():
    assert tasks_report_sentence(NO_REPORTS, 0, "vi").startswith(
        "8/8 nhiệm vụ đến hạn chưa có báo cáo — chưa đánh giá được tiến độ. Đã hoàn thành 0/46 nhiệm vụ")
    assert tasks_report_sentence(SOME_REPORTS, 1, "en").startswith(
        "Reports received for 4 of 6 tasks due (66.67 %); 2 not reported. 3 of 10 tasks done (30.00 %); 1 late;")
    assert tasks_report_sentence(ALL_REPORTS, 2, "vi") == ("Đã hoàn thành 5/10 nhiệm vụ (50,00 %); 0 nhiệm vụ quá "
                                                           "hạn; trong kỳ hoàn thành 2 nhiệm vụ.")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_empty_shortcomings_section_says_what_is_not_known(lang):
    assert not nothing_wrong_sentence(ALL_MISSING, NO_REPORTS, lang).startswith(GOOD_NEWS)
    part = nothing_wrong_sentence(CLEAN, SOME_REPORTS, lang)
    assert part.startswith("Chưa đánh giá được đầy đủ: 2 nhiệm vụ" if lang == "vi" else "Not fully assessed: 2 tasks")
    assert nothing_wrong_sentence(CLEAN, ALL_REPORTS, lang) == (
        "Cơ sở dữ liệu không ghi nhận mục tiêu không đạt, chậm tiến độ hay nhiệm vụ quá hạn." if lang == "vi" else
        "The database records no missed or off-track target and no overdue task.")
