"""Attacks on the unit-index import (issue 25: F2, F4, F13), each replayed: a reporter defining or reshaping
criteria, for its province or another, through rows with or without points; a reporter's criteria-only file; a
file that makes the checks compare every row with every criterion; and the row limit."""

import time
from datetime import date

import pytest

from indicators.imports import Context, commit, preview
from indicators.imports import unit_index as layout
from indicators.imports.table import Limits
from indicators.services.auth import PermissionDenied, add_user, set_user
from tests.conftest import PASSWORD

TODAY = date(2026, 12, 1)
HEADER = "province,unit,year,stage,criterion,criterion_name,max_points,points\n"
CRITERIA = ("80,80-SNV,2025,thẩm định,1,Công tác chỉ đạo điều hành CCHC,10,\n"
            "80,80-SNV,2025,thẩm định,1.1,Kế hoạch CCHC năm,4,\n"
            "80,80-SNV,2025,thẩm định,1.2,Báo cáo CCHC,6,\n")
OWN = "80,80-SNV,2025,tự đánh giá,1.1,,,3\n"          # the reporter's own self-score on a stored criterion


def _preview(store, text: str, user=None, **options):
    return preview(store, "index.csv", text.encode("utf-8"), Context.of(store, today=TODAY, user=user, **options))


@pytest.fixture
def people(store):
    admin = add_user(store, None, "admin1", PASSWORD, "admin")
    analyst = add_user(store, admin, "analyst1", PASSWORD, "analyst")
    reporter = add_user(store, admin, "snv.tn", PASSWORD, "reporter", unit=("80", date(2025, 7, 1), "80-SNV"))
    commit(store, _preview(store, HEADER + CRITERIA, analyst), analyst)
    return admin, analyst, reporter


def _maximum(store) -> float:
    criteria = store.index_criteria()
    return float(criteria[~criteria.code.str.contains(".", regex=False)].max_points.sum())


@pytest.mark.parametrize("extra, columns", [
    ("80,80-SNV,2025,tự đánh giá,3,Tiêu chí mới,1045,\n", "E"),           # F2: a new area, no points
    ("80,80-SNV,2025,tự đánh giá,1.2.1,Tiểu mục,2,1\n", "E"),             # reshaped: 1.2 gets a sub-criterion
    ("15,15-SNV,2025,tự đánh giá,1,Another province,1045,\n", "EB"),      # another province's criteria
    ("80,80-STP,2025,tự đánh giá,1.2,,,\n", "B"),                         # a row without points, another unit
    ("80,80-SNV,2025,thẩm định,1.2,,,\n", "D"),                           # a row without points, appraised
])
def test_a_reporter_file_carries_only_its_own_self_scores_on_existing_criteria(store, people, extra, columns):
    _, _, reporter = people
    before = store.index_criteria()
    shown = _preview(store, HEADER + OWN + extra, reporter)
    assert [(p.row, p.column[0]) for p in shown.problems] == [(3, c) for c in columns]
    unchecked = _preview(store, HEADER + OWN + extra)          # no user at preview: the commit still refuses
    assert unchecked.ok, [p.en for p in unchecked.problems]
    with pytest.raises(PermissionDenied) as refused:
        commit(store, unchecked, reporter)
    assert refused.value.en.startswith(f"row 3, column {columns[0]}") and refused.value.vi.startswith("dòng 3, cột")
    assert store.index_criteria().equals(before) and _maximum(store) == 10
    assert store.unit_scores().empty


def test_a_reporter_criteria_only_file_is_refused_not_a_traceback(store, people):
    _, _, reporter = people
    criteria_only = HEADER + "80,80-SNV,2025,tự đánh giá,4,Khác,5,\n80,80-SNV,2025,tự đánh giá,4.1,Khác nữa,5,\n"
    shown = _preview(store, criteria_only, reporter)
    assert [(p.row, p.column[0]) for p in shown.problems] == [(2, "E"), (3, "E")]
    assert "only analysts and admins define criteria" in shown.problems[0].en
    with pytest.raises(PermissionDenied) as refused:
        commit(store, _preview(store, criteria_only), reporter)
    assert "row 2, column E" in refused.value.en and "1 more" in refused.value.en
    assert len(store.index_criteria()) == 3 and store.batches().kind.tolist().count("unit_index") == 1


def test_a_reporter_still_enters_its_own_self_assessment(store, people):
    _, _, reporter = people
    own = _preview(store, HEADER + OWN + "80,80-SNV,2025,tự đánh giá,1,,,\n", reporter)
    assert own.ok, [p.en for p in own.problems]
    assert commit(store, own, reporter).inserted == 1
    assert store.unit_scores().points.tolist() == [3]


def test_the_role_held_at_commit_decides(store, people):
    admin, analyst, _ = people
    new_area = _preview(store, HEADER + "80,80-SNV,2025,thẩm định,2,Cải cách TTHC,5,\n", analyst)
    assert new_area.ok
    set_user(store, admin, analyst.name, role="reporter", unit=("80", date(2025, 7, 1), "80-SNV"))
    with pytest.raises(PermissionDenied) as refused:
        commit(store, new_area, analyst)
    assert "row 2, column E" in refused.value.en
    assert len(store.index_criteria()) == 3
    assert not _preview(store, HEADER + "80,80-SNV,2025,thẩm định,2,Cải cách TTHC,5,\n", analyst).ok
    set_user(store, admin, analyst.name, disabled=True)
    refused_account = _preview(store, HEADER + OWN, analyst)
    assert "not active" in refused_account.problems[0].en and refused_account.problems[0].row == 1


def test_an_analyst_still_defines_criteria_and_sub_criteria_later_in_the_file_mark_a_parent(store, people):
    _, analyst, _ = people
    text = HEADER + "80,80-SNV,2025,thẩm định,1.2,,,5\n80,80-SNV,2025,thẩm định,1.2.1,Chi tiết,3,\n"
    result = _preview(store, text, analyst)
    assert [(p.row, "has sub-criteria" in p.en) for p in result.problems] == [(2, True)]
    added = _preview(store, HEADER + "80,80-SNV,2025,thẩm định,2,Cải cách TTHC,5,\n", analyst)
    assert commit(store, added, analyst).inserted == 1 and _maximum(store) == 15


def test_many_criteria_are_checked_in_one_pass(store, people):
    """20,000 new criteria scored twice: comparing every row with every criterion took minutes here (8 × 10^8
    comparisons); looking each up by its key takes a second or two."""
    _, analyst, _ = people
    lines = [HEADER]
    for n in range(20_000):
        code = f"{n // 100 + 10}.{n % 100 + 1}"
        lines.append(f"80,80-SNV,2025,thẩm định,{code},Synthetic {code},5,{n % 6}\n"
                     f"80,80-STP,2025,thẩm định,{code},,,1\n")
    started = time.perf_counter()
    result = _preview(store, "".join(lines), analyst)
    elapsed = time.perf_counter() - started
    assert result.ok and result.counts["insert"] == 40_000 and len(result.payload["criteria"]) == 20_000
    assert elapsed < 60, f"{elapsed:.0f} s"


def test_the_row_limit_holds_on_the_unit_index_path(store, people, monkeypatch):
    _, analyst, _ = people
    text = HEADER + "80,80-SNV,2025,thẩm định,1.1,,,\n" * 40        # rows that only name a criterion
    over = _preview(store, text, analyst, limits=Limits(max_rows=10))
    assert not over.ok and "more than 10 rows" in over.problems[0].en
    monkeypatch.setattr(layout, "LIMITS", Limits(max_rows=10))      # a table handed in past the reader's limit
    refused = _preview(store, text, analyst)
    assert [p.en for p in refused.problems] == ["the file has more than 10 rows"]
