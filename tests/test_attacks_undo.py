"""Attack F3 of issue 25, replayed: undo checks the role and the unit a person holds now. An analyst demoted to
reporter cannot undo the province-level batches they imported as an analyst, and a reporter moved to another unit
cannot undo its old unit's batches; a reporter still undoes its own unit's batch. Both backends."""

from datetime import date

import pytest

from indicators.imports import commit, undo
from indicators.services.auth import PermissionDenied, add_user, set_user
from tests.conftest import PASSWORD
from tests.test_progress import HT, _csv
from tests.test_progress import _preview as _progress_preview
from tests.test_unit_actuals import _preview

SNV_TN = ("80", date(2025, 7, 1), "80-SNV")
STP_TN = ("80", date(2025, 7, 1), "80-STP")


@pytest.fixture
def people(store):
    admin = add_user(store, None, "admin1", PASSWORD, "admin")
    analyst = add_user(store, admin, "analyst1", PASSWORD, "analyst")
    reporter = add_user(store, admin, "snv.tn", PASSWORD, "reporter", unit=SNV_TN)
    return admin, analyst, reporter


def test_a_demoted_analyst_cannot_undo_a_province_batch(store, people):
    admin, analyst, _ = people
    done = commit(store, _preview(store, "province,unit,indicator,period,value,source\n"
                                         "80,,dossiers_online_pct,2025-H2,58,Báo cáo 1/BC-UBND\n"), analyst)
    set_user(store, admin, "analyst1", role="reporter", unit=SNV_TN)
    with pytest.raises(PermissionDenied) as refused:
        undo(store, done.batch_id, analyst)           # the session's copy still says analyst; the database does not
    assert "outside your unit" in refused.value.en
    assert store.actuals(province_code="80", indicator_code="dossiers_online_pct").value.tolist() == [58.0]
    set_user(store, admin, "analyst1", role="analyst")
    assert undo(store, done.batch_id, analyst) == 1     # promoted again: the same person may


def test_a_demoted_analyst_cannot_undo_another_units_batch(store, people):
    admin, analyst, _ = people
    done = commit(store, _preview(store, "province,unit,indicator,period,value,source\n"
                                         "80,80-STP,dossiers_online_pct,2025-H2,40,x\n"), analyst)
    set_user(store, admin, "analyst1", role="reporter", unit=SNV_TN)
    with pytest.raises(PermissionDenied):
        undo(store, done.batch_id, analyst)
    assert store.actuals(province_code="80", unit_code="80-STP").value.tolist() == [40.0]


def test_a_reporter_moved_to_another_unit_cannot_undo_its_old_units_batch(store, people):
    admin, _, reporter = people
    own = commit(store, _preview(store, "province,unit,indicator,period,value,source\n"
                                        "80,80-SNV,dossiers_online_pct,2025-H2,61,x\n"), reporter)
    set_user(store, admin, "snv.tn", unit=STP_TN)
    with pytest.raises(PermissionDenied):
        undo(store, own.batch_id, reporter)
    set_user(store, admin, "snv.tn", unit=SNV_TN)
    assert undo(store, own.batch_id, reporter) == 1     # its own unit's batch, while it holds that unit
    assert store.actuals(province_code="80", unit_code="80-SNV").empty


def test_a_demoted_analyst_cannot_undo_progress_of_tasks_its_unit_does_not_lead(store, people):
    admin, analyst, _ = people
    done = commit(store, _progress_preview(store, _csv([[HT, "1.2", "", "in_progress", "", "", "", ""]])), analyst)
    set_user(store, admin, "analyst1", role="reporter", unit=("42", date(2004, 1, 1), "42-STP"))
    with pytest.raises(PermissionDenied) as refused:
        undo(store, done.batch_id, analyst)
    assert "not led by the unit 42-STP" in refused.value.en
    assert store.task_progress().ref.tolist() == ["1.2"]
    set_user(store, admin, "analyst1", unit=("42", date(2004, 1, 1), "42-SNV"))   # the unit that leads 1.2
    assert undo(store, done.batch_id, analyst) == 1
