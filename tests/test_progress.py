"""Task progress (issue 14, points 3 and 6): occurrences and overdue as of a day, the progress layout of the
import engine with its guarantees, and reporters scoped to their own unit."""

import io
from datetime import date

import pandas as pd
import pytest

from indicators.domain.tasks import by_unit, due_in, occurrence_table, occurrences, summary
from indicators.imports import ConflictError, Context, ImportRefused, commit, lock_period, preview, undo
from indicators.services.auth import PermissionDenied, User, add_user
from tests.conftest import PASSWORD

TODAY = date(2026, 12, 1)
HT = "ha-tinh-239-kh-ubnd-2016"
TN = "tay-ninh-490-qd-ubnd-2021"


def test_a_one_off_task_has_one_occurrence_due_at_the_end_of_its_deadline():
    (only,) = occurrences("2016", "2017", False, None)
    assert only.occurrence == "" and only.due == date(2017, 12, 31)
    (quarter,) = occurrences("2008-Q1", "2008-Q3", False, None)
    assert quarter.due == date(2008, 9, 30)


def test_a_recurring_task_has_one_occurrence_a_year_each_with_its_in_year_deadline():
    six = occurrences("2016", "2020", True, "M06")
    assert [o.occurrence for o in six] == ["2016", "2017", "2018", "2019", "2020"]
    assert six[0].due == date(2016, 6, 30)
    assert [o.due for o in occurrences("2021", "2022", True, "Q1")] == [date(2021, 3, 31), date(2022, 3, 31)]
    assert due_in(2024, "Q4-1") == date(2023, 12, 31)      # "quý IV của năm trước"
    assert occurrences("2021", "2021", True, None)[0].due == date(2021, 12, 31)


def _tasks(*rows):
    return pd.DataFrame([{"plan_id": "p", "ref": ref, "start_period": start, "deadline_period": end,
                          "recurring": rec, "due_in_year": None, "lead_unit_codes": lead}
                         for ref, start, end, rec, lead in rows])


def test_overdue_counts_only_what_is_known_to_be_late_and_done_or_dropped_is_never_overdue():
    tasks = _tasks(("1", "2020", "2020", False, "A"), ("2", "2020", "2021", True, "A;B"), ("3", "2030", "2030",
                                                                                           False, "B"))
    progress = pd.DataFrame([{"plan_id": "p", "ref": "1", "occurrence": "", "status": "done"},
                             {"plan_id": "p", "ref": "2", "occurrence": "2020", "status": "dropped"},
                             {"plan_id": "p", "ref": "2", "occurrence": "2021", "status": "in_progress"}])
    frame = occurrence_table(tasks, progress, date(2021, 6, 1))
    assert list(frame.overdue) == [False, False, False, False]   # 2021's occurrence is due on 2021-12-31
    assert list(frame.state) == ["done", "dropped", "in_progress", "not_yet_due"]
    later = occurrence_table(tasks, progress, date(2022, 1, 1))
    assert list(later.overdue) == [False, False, True, False]
    assert list(later.state) == ["done", "dropped", "late", "not_yet_due"]
    counts = summary(later)
    assert (counts.total, counts.done, counts.overdue, counts.not_reported) == (3, 1, 1, 0)   # dropped: neither way
    assert (counts.due, counts.reported_due, counts.completeness) == (2, 2, 100.0)
    assert counts.sentence("vi") == "hoàn thành 1/3 nhiệm vụ (33,33 %), 1 quá hạn"
    assert counts.sentence("en") == "done 1 of 3 tasks (33.33 %), 1 overdue"


def test_a_due_task_nobody_reported_on_is_not_reported_never_overdue():
    tasks = _tasks(("1", "2020", "2020", False, "A"), ("2", "2020", "2021", True, "A;B"), ("3", "2030", "2030",
                                                                                           False, "B"))
    none = occurrence_table(tasks, pd.DataFrame(columns=["plan_id", "ref", "occurrence", "status"]), date(2025, 1, 1))
    assert list(none.state) == ["not_reported", "not_reported", "not_reported", "not_yet_due"]
    assert not none.overdue.any() and list(none.not_reported) == [True, True, True, False]
    counts = summary(none)
    assert (counts.total, counts.done, counts.overdue, counts.not_reported, counts.due, counts.reported_due) == \
        (4, 0, 0, 3, 3, 0)
    assert counts.completeness == 0.0
    # all missing: the sentence leads with what is not known, and never says "0 overdue" first
    assert counts.sentence("vi") == ("3/3 nhiệm vụ đến hạn chưa có báo cáo — chưa đánh giá được tiến độ; "
                                     "hoàn thành 0/4 nhiệm vụ (0,00 %), 0 quá hạn")
    assert counts.sentence("en").startswith("3 of 3 tasks due have no report — progress cannot be assessed")
    # partly missing: coverage first
    part = occurrence_table(tasks, pd.DataFrame([{"plan_id": "p", "ref": "1", "occurrence": "", "status": "done"}]),
                            date(2025, 1, 1))
    assert list(part.state) == ["done", "not_reported", "not_reported", "not_yet_due"]
    assert summary(part).sentence("vi") == ("đã nhận báo cáo 1/3 nhiệm vụ đến hạn (33,33 %), 2 chưa có báo cáo; "
                                            "hoàn thành 1/4 nhiệm vụ (25,00 %), 0 quá hạn")
    units = by_unit(part, {"A": "Sở A", "B": "Sở B"}).set_index("unit_code")
    assert units.loc["A", ["total", "done", "overdue", "not_reported", "due", "reported_due"]].tolist() == \
        [3, 1, 0, 2, 3, 1]
    assert units.loc["A", "completeness"] == pytest.approx(100 / 3)
    assert units.loc["B", ["not_reported", "due", "reported_due"]].tolist() == [2, 2, 0]
    assert units.loc["B", "completeness"] == 0.0
    nothing_due = by_unit(occurrence_table(tasks, part.iloc[:0][["plan_id", "ref", "occurrence", "status"]],
                                           date(2019, 1, 1)), {})
    assert nothing_due.completeness.isna().all() and len(nothing_due) == 2


def test_an_empty_plan_says_so():
    assert summary(occurrence_table(_tasks(), pd.DataFrame(), date(2025, 1, 1))).sentence("vi") == \
        "chưa có nhiệm vụ nào"


def _csv(rows, header=("plan", "ref", "occurrence", "status", "completed_on", "evidence", "evidence_date", "note")):
    out = io.StringIO()
    pd.DataFrame(rows, columns=list(header)).to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def _preview(store, content, name="progress.csv"):
    return preview(store, name, content, Context.of(store, today=TODAY))


@pytest.fixture
def people(store):
    admin = add_user(store, None, "admin1", PASSWORD, "admin")
    analyst = add_user(store, admin, "analyst1", PASSWORD, "analyst")
    reporter = add_user(store, admin, "nv.hatinh", PASSWORD, "reporter", unit=("42", date(2004, 1, 1), "42-SNV"))
    return admin, analyst, reporter


def test_a_progress_file_is_previewed_committed_with_history_and_undone(store, people):
    _, analyst, _ = people
    content = _csv([["239/KH-UBND", "1.2", "", "hoàn thành", "2017-05-10", "Quyết định 1234/QĐ-UBND", "2017-05-10",
                     ""],
                    [HT, "III.BC-6T", "2017", "done", "2017-06-28", "Báo cáo 88/BC-SNV", "", ""]])
    result = _preview(store, content)
    assert result.ok, [p.en for p in result.problems]
    assert result.kind == "progress" and result.counts["insert"] == 2
    done = commit(store, result, analyst)
    stored = store.task_progress().set_index(["ref", "occurrence"])
    assert stored.loc[("1.2", ""), "status"] == "done"
    assert str(stored.loc[("1.2", ""), "completed_on"])[:10] == "2017-05-10"
    history = store.progress_history(done.batch_id)
    assert list(history.action) == ["insert", "insert"]
    assert undo(store, done.batch_id, analyst) == 2
    assert store.task_progress().empty
    assert list(store.progress_history(done.batch_id).action) == ["insert", "insert", "undo", "undo"]


def test_a_change_of_stored_progress_needs_replace_and_is_never_silent(store, people):
    _, analyst, _ = people
    commit(store, _preview(store, _csv([[HT, "1.2", "", "in_progress", "", "", "", ""]])), analyst)
    again = _preview(store, _csv([[HT, "1.2", "", "done", "2017-05-10", "", "", ""]]))
    assert again.counts["change"] == 1 and again.diff.iloc[0].old_status == "in_progress"
    with pytest.raises(ImportRefused):
        commit(store, again, analyst)
    commit(store, again, analyst, replace=True)
    assert store.task_progress().status.tolist() == ["done"]


@pytest.mark.parametrize("row, column, words", [
    (["no-such-plan", "1.2", "", "done", "2017-01-01", "", "", ""], "A", "no such plan"),
    ([HT, "99.9", "", "done", "2017-01-01", "", "", ""], "B", "no such task"),
    ([HT, "III.BC-6T", "2031", "done", "2017-01-01", "", "", ""], "C", "a year from 2017 to 2020"),
    ([HT, "1.2", "2017", "done", "2017-01-01", "", "", ""], "C", "blank"),
    ([HT, "1.2", "", "finished-ish", "", "", "", ""], "D", "status must be"),
    ([HT, "1.2", "", "done", "", "", "", ""], "E", "needs the day"),
    ([HT, "1.2", "", "in_progress", "2017-01-01", "", "", ""], "E", "only a done task"),
    ([HT, "1.2", "", "done", "2027-01-01", "", "", ""], "E", "future"),
    ([HT, "1.2", "", "dropped", "", "", "", ""], "H", "say why"),
])
def test_every_refusal_names_the_row_and_column(store, row, column, words):
    result = _preview(store, _csv([row]))
    assert not result.ok
    problem = result.problems[0]
    assert problem.row == 2 and problem.column.startswith(column) and words in problem.en


def test_a_file_with_one_bad_row_writes_nothing(store, people):
    _, analyst, _ = people
    result = _preview(store, _csv([[HT, "1.2", "", "done", "2017-01-01", "", "", ""],
                                   [HT, "1.2", "", "done", "2017-01-01", "", "", ""]]))
    assert not result.ok and "same task and occurrence as row 2" in result.problems[0].en
    with pytest.raises(ImportRefused):
        commit(store, result, analyst)
    assert store.task_progress().empty


def test_a_reporter_enters_only_its_own_units_tasks(store, people):
    _, _, reporter = people
    own = _preview(store, _csv([[HT, "1.2", "", "in_progress", "", "", "", ""]]))          # lead: Sở Nội vụ
    commit(store, own, reporter)
    other = _preview(store, _csv([[HT, "2.1", "", "in_progress", "", "", "", ""]]))        # lead: Sở Tư pháp
    with pytest.raises(PermissionDenied) as refused:
        commit(store, other, reporter)
    assert "not led by the unit 42-SNV" in refused.value.en and "row 2" in refused.value.en
    assert store.task_progress().ref.tolist() == ["1.2"]


def test_a_reporter_of_the_new_province_reports_the_tasks_of_the_department_it_succeeded(store, people):
    admin, _, _ = people
    new_tay_ninh = add_user(store, admin, "nv.tayninh", PASSWORD, "reporter", unit=("80", date(2025, 7, 1), "80-SNV"))
    result = _preview(store, _csv([[TN, "III.2(NV).a-1", "", "in_progress", "", "", "", ""]]))
    commit(store, result, new_tay_ninh)
    assert store.task_progress().ref.tolist() == ["III.2(NV).a-1"]


def test_the_reporters_role_and_unit_are_read_again_inside_the_transaction(store, people):
    admin, _, reporter = people
    from indicators.services.auth import set_user
    set_user(store, admin, "nv.hatinh", unit=("42", date(2004, 1, 1), "42-STP"))
    result = _preview(store, _csv([[HT, "1.2", "", "in_progress", "", "", "", ""]]))
    with pytest.raises(PermissionDenied):
        commit(store, result, reporter)      # the session's copy still says 42-SNV; the database does not


def test_a_viewer_cannot_write_progress(store, people):
    admin, _, _ = people
    viewer = add_user(store, admin, "viewer1", PASSWORD, "viewer")
    with pytest.raises(PermissionDenied):
        commit(store, _preview(store, _csv([[HT, "1.2", "", "in_progress", "", "", "", ""]])), viewer)


def test_a_reporter_needs_a_unit_that_exists(store, people):
    admin, _, _ = people
    from indicators.services.auth import UserError
    with pytest.raises(UserError):
        add_user(store, admin, "nobody", PASSWORD, "reporter")
    with pytest.raises(UserError):
        add_user(store, admin, "ghost", PASSWORD, "reporter", unit=("42", date(2004, 1, 1), "42-NONE"))


def test_progress_in_a_locked_period_is_refused(store, people):
    admin, analyst, _ = people
    lock_period(store, admin, ("42", date(2004, 1, 1)), "2016", note="closed")
    result = _preview(store, _csv([[HT, "III.BC-NAM", "2016", "done", "2016-12-28", "", "", ""]]))
    assert not result.ok and "locked" in result.problems[0].en


def test_a_commit_refuses_when_progress_moved_since_the_preview(store, people):
    _, analyst, _ = people
    first = _preview(store, _csv([[HT, "1.2", "", "in_progress", "", "", "", ""]]))
    second = _preview(store, _csv([[HT, "1.2", "", "done", "2017-01-01", "", "", ""]]))
    commit(store, first, analyst)
    with pytest.raises(ConflictError):
        commit(store, second, analyst, replace=True)


def test_an_undo_of_a_batch_a_later_one_changed_is_refused(store, people):
    _, analyst, _ = people
    first = commit(store, _preview(store, _csv([[HT, "1.2", "", "in_progress", "", "", "", ""]])), analyst)
    commit(store, _preview(store, _csv([[HT, "1.2", "", "done", "2017-01-01", "", "", ""]])), analyst, replace=True)
    with pytest.raises(ConflictError):
        undo(store, first.batch_id, analyst)


def test_a_reporter_cannot_undo_an_actuals_batch(store, people):
    admin, _, reporter = people
    from tests.conftest import import_rows
    batch_id, _ = import_rows(store, [("42", "2004-01-01", "par_index", "2019", 80.0)], "test", user_name="admin1")
    with pytest.raises(PermissionDenied):
        undo(store, batch_id, User("nv.hatinh", "nv.hatinh", "reporter"))
