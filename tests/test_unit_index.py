"""The province's own CCHC index of its units (issue 14, point 5): criteria and points in two stages through the
import engine, reporters limited to their own self-assessment, totals and ranks within the province."""

from datetime import date

import pytest

from indicators.domain.league import league, totals
from indicators.imports import Context, ImportRefused, commit, preview, undo
from indicators.services.auth import PermissionDenied, add_user
from tests.conftest import PASSWORD

TODAY = date(2026, 12, 1)
HEADER = "province,unit,year,stage,criterion,criterion_name,max_points,points\n"
CRITERIA = ("80,80-SNV,2025,thẩm định,1,Công tác chỉ đạo điều hành CCHC,10,\n"
            "80,80-SNV,2025,thẩm định,1.1,Kế hoạch CCHC năm,4,\n"
            "80,80-SNV,2025,thẩm định,1.2,Báo cáo CCHC,6,\n"
            "80,80-SNV,2025,thẩm định,2,Cải cách TTHC,5,\n")


def _preview(store, text):
    return preview(store, "index.csv", text.encode("utf-8"), Context.of(store, today=TODAY))


@pytest.fixture
def people(store):
    admin = add_user(store, None, "admin1", PASSWORD, "admin")
    analyst = add_user(store, admin, "analyst1", PASSWORD, "analyst")
    reporter = add_user(store, admin, "snv.tn", PASSWORD, "reporter", unit=("80", date(2025, 7, 1), "80-SNV"))
    return admin, analyst, reporter


def _scores(unit, stage, a, b, c):
    return (f"80,{unit},2025,{stage},1.1,,,{a}\n80,{unit},2025,{stage},1.2,,,{b}\n"
            f"80,{unit},2025,{stage},2,,,{c}\n")


def test_self_assessment_then_appraisal_then_ranks(store, people):
    _, analyst, reporter = people
    commit(store, _preview(store, HEADER + CRITERIA), analyst)
    own = _preview(store, HEADER + _scores("80-SNV", "tự đánh giá", 4, 6, 5))
    assert own.ok, [p.en for p in own.problems]
    commit(store, own, reporter)
    commit(store, _preview(store, HEADER + _scores("80-SNV", "thẩm định", 3.5, 5, 4.5)
                           + _scores("80-STP", "thẩm định", 4, 6, 4) + _scores("80-STC", "appraised", 3, 5, 4.5)),
           analyst)
    table = league(totals(store.unit_scores(), store.index_criteria()), "department", 2025)
    ranked = table.set_index("unit_code")
    assert ranked.loc["80-STP", "rank"] == 1 and ranked.loc["80-STP", "appraised"] == 14
    assert ranked.loc["80-SNV", "rank"] == 2 and ranked.loc["80-SNV", "self"] == 15
    assert ranked.loc["80-SNV", "difference"] == -2
    assert ranked.loc["80-STC", "rank"] == 3 and ranked.loc["80-STC", "max_points"] == 15
    assert ranked.loc["80-STP", "percent"] == pytest.approx(100 * 14 / 15)


def test_a_reporter_may_not_appraise_nor_assess_another_unit(store, people):
    _, analyst, reporter = people
    commit(store, _preview(store, HEADER + CRITERIA), analyst)
    with pytest.raises(PermissionDenied) as refused:
        commit(store, _preview(store, HEADER + _scores("80-SNV", "thẩm định", 4, 6, 5)), reporter)
    assert "appraised" in refused.value.en
    with pytest.raises(PermissionDenied):
        commit(store, _preview(store, HEADER + _scores("80-STP", "self", 4, 6, 5)), reporter)
    assert store.unit_scores().empty


@pytest.mark.parametrize("row, column, words", [
    ("80,80-SNV,2025,self,1,,,3\n", "H", None),                                   # on an area: see below
    ("80,80-SNV,2025,self,1.1,,,7\n", "H", "between 0 and 4"),
    ("80,80-XXX,2025,self,1.1,,,3\n", "B", "not a unit code of province 80"),
    ("80,80-SNV,2025,final,1.1,,,3\n", "D", "stage must be"),
    ("80,80-SNV,2025,self,9.9,,,3\n", "F", "needs its name and maximum points"),
    ("80,80-SNV,2025,self,1.1,Another name,4,3\n", "F", "differs from the criterion as defined"),
    ("80,80-SNV,2031,self,1.1,,,3\n", "C", "future"),
    ("72,72-SNV,2025,self,1.1,Kế hoạch,4,3\n", None, None),                       # old Tây Ninh in 2025: valid
])
def test_refusals_name_the_row_and_column(store, people, row, column, words):
    _, analyst, _ = people
    commit(store, _preview(store, HEADER + CRITERIA), analyst)
    result = _preview(store, HEADER + row)
    if column is None:
        assert result.ok, [p.en for p in result.problems]
        return
    assert not result.ok
    problem = result.problems[0]
    assert problem.row == 2
    if words is None:
        assert "has sub-criteria" in problem.en
    else:
        assert problem.column.startswith(column) and words in problem.en


def test_a_changed_score_needs_replace_and_an_undo_restores_it(store, people):
    _, analyst, _ = people
    commit(store, _preview(store, HEADER + CRITERIA), analyst)
    first = commit(store, _preview(store, HEADER + _scores("80-SNV", "appraised", 3, 5, 4)), analyst)
    again = _preview(store, HEADER + _scores("80-SNV", "appraised", 4, 5, 4))
    assert again.counts == {"insert": 0, "change": 1, "unchanged": 2, "rejected": 0}
    with pytest.raises(ImportRefused):
        commit(store, again, analyst)
    second = commit(store, again, analyst, replace=True)
    assert store.unit_scores().points.sum() == 13
    undo(store, second.batch_id, analyst)
    assert store.unit_scores().points.sum() == 12
    undo(store, first.batch_id, analyst)
    assert store.unit_scores().empty
    assert list(store.score_history().action).count("undo") == 4
