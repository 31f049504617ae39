"""The periodic report's content (issue 15, first part): periods, the targets inherited across the merger, task
progress, indices beside the national mean and best, shortcomings drafted from the data, provenance."""

from datetime import date, datetime

import pytest

from indicators.domain.tasks import occurrence_table, summary
from indicators.reports.content import ReportPeriodError, report_content, report_period

NEW_TAY_NINH = ("80", date(2025, 7, 1))
HA_TINH = ("42", date(2025, 7, 1))


def test_periods_of_a_report_and_their_labels(ds):
    assert (report_period("2026-H1").label_vi, report_period("2026-H1").end) == ("6 tháng đầu năm 2026",
                                                                                 date(2026, 6, 30))
    assert report_period("2026-H2").label_en == "second half of 2026"
    assert report_period("2026-Q3").label_vi == "quý III năm 2026"
    assert report_period("2025").as_of(date(2025, 8, 1)) == date(2025, 8, 1)     # a running period: as of today
    closing = report_period("plan:tay-ninh-490-qd-ubnd-2021", ds)
    assert (closing.start, closing.end, closing.kind) == (date(2021, 1, 1), date(2025, 12, 31), "plan")
    with pytest.raises(ReportPeriodError):
        report_period("2026-05")
    with pytest.raises(ReportPeriodError):
        report_period("plan:no-such-plan", ds)


def test_the_new_tay_ninh_closes_the_2021_2025_programme_on_its_own_figures(ds):
    content = report_content(ds, NEW_TAY_NINH, report_period("plan:tay-ninh-490-qd-ubnd-2021", ds),
                             today=date(2026, 12, 1), now=datetime(2026, 12, 1, 9, 0))
    assert content.as_of == date(2025, 12, 31)
    assert len(content.targets) == 11 and set(content.targets.plan_id) == {"tay-ninh-490-qd-ubnd-2021"}
    assert sum(content.status_counts.values()) == 11
    # every task of the programme, judged as of its last day
    tasks = ds.tasks[ds.tasks.plan_id == "tay-ninh-490-qd-ubnd-2021"]
    expected = summary(occurrence_table(tasks, ds.progress, date(2025, 12, 31)))
    assert (content.tasks.total, content.tasks.done, content.tasks.overdue) == (expected.total, expected.done,
                                                                             expected.overdue)
    # nothing reported: no task is called late, the ones due are "not reported", named per lead body
    assert content.tasks.overdue == 0 and content.tasks.not_reported == expected.not_reported > 0
    assert any("chưa có báo cáo" in vi for vi, _ in content.shortcomings)
    assert not any("quá hạn" in vi for vi, _ in content.shortcomings)
    assert "72-SNV" in set(content.tasks_by_unit.unit_code)


def test_missed_targets_become_editable_shortcomings_made_of_stored_figures(ds):
    content = report_content(ds, HA_TINH, report_period("2020"), today=date(2026, 12, 1))
    missed = content.targets[content.targets.status == "missed"]
    assert len(missed) == content.status_counts["missed"] > 0
    first = missed.iloc[0]
    sentence = next(vi for vi, _ in content.shortcomings if f"“{first.indicator_name_vi}”" in vi)
    assert first.target_id not in sentence          # no database id in the report's body
    assert "không đạt" in sentence and f"{first.actual:g}" in sentence


def test_indices_carry_value_rank_national_mean_and_best_or_stay_missing(ds):
    indices = report_content(ds, HA_TINH, report_period("2024"), today=date(2026, 12, 1)).indices.set_index(
        "indicator_code")
    assert indices.loc["papi_total", "value"] > 0 and indices.loc["papi_total", "rank"] >= 1
    assert indices.loc["papi_total", "best_province"] and indices.loc["papi_total", "best_value"] >= \
        indices.loc["papi_total", "value"]
    assert indices.loc["par_index", "national_mean"] == pytest.approx(88.37)     # the published 2024 mean
    assert indices.loc["par_index", "mean_kind"] == "published"
    papi = ds.actuals("papi_total")
    papi = papi[papi.period == indices.loc["papi_total", "period"]]
    assert indices.loc["papi_total", "mean_kind"] == "computed"      # PAPI's own mean is not stored: computed
    assert indices.loc["papi_total", "national_mean"] == pytest.approx(papi.value.mean())
    assert indices.loc["papi_total", "mean_provinces"] == len(papi) > 60


def test_the_report_says_from_which_database_state_it_was_made(ds):
    content = report_content(ds, HA_TINH, report_period("2026-H1"), today=date(2026, 12, 1),
                             now=datetime(2026, 12, 1, 9, 0, 5, 123))
    provenance = content.provenance
    assert provenance["generated_at"] == datetime(2026, 12, 1, 9, 0, 5)
    assert provenance["database_id"] == ds.store.data_version()[0]
    assert provenance["latest_batch"] == int(ds.store.batches().iloc[0].id)


def test_a_province_without_targets_or_tasks_gets_its_report(ds):
    """Found by the scheduled reports: 29 of the 34 provinces of 2025 have no plan in the database, and their
    report failed (the judged targets came back without columns). Every current province's report is made."""
    from indicators.reports.files import Ask, make
    from indicators.services.views import judged_targets

    assert judged_targets(ds, [("01", date(2025, 7, 1))], 2025).columns.tolist()[-4:] == [
        "judged_on_vi", "judged_indicator_vi", "judged_on_en", "judged_indicator_en"]
    current = ds.provinces[ds.provinces.valid_to.isna()]
    assert len(current) == 34
    for code, since in zip(current.code, current.valid_from):
        made = make(ds, Ask((code, since.date()), "2025", "pdf", "vi", date(2026, 12, 1)))
        assert made.data.startswith(b"%PDF"), code
    made = make(ds, Ask(("01", date(2025, 7, 1)), "2025", "docx", "en", date(2026, 12, 1)), charts=False)
    assert made.data.startswith(b"PK") and made.content.status_counts == {s: 0 for s in made.content.status_counts}
