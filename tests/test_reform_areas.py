"""The reform area of tasks, targets and indicators (issue 28, point 1): the reviewed mapping covers every heading
and target of the five plans, the loader refuses a gap, the build stores the area on both backends, a database of
the schema before it migrates in place and gets the areas on the next build, and the pages show and filter it."""

from __future__ import annotations

import json

import pytest
import yaml

from indicators.domain.reform_areas import CODES, area_name
from indicators.reference.loader import DATA_DIR, load_reference
from indicators.services.building import open_writable
from indicators.services.views import Dataset
from indicators.storage import open_store
from tests.conftest import copy_db
from tests.test_app import app, open_page  # noqa: F401  (app is the pages' fixture)
from tests.test_migrations import _filled, _run_raw, _schema
from tests.test_reference_data import _write_yaml, refusals

MAPPING = yaml.safe_load((DATA_DIR / "reform_areas.yaml").read_text(encoding="utf-8"))
PLANS = {p["id"]: p for p in (yaml.safe_load(f.read_text(encoding="utf-8"))
                              for f in sorted((DATA_DIR / "plans").glob("*.yaml")))}


def test_the_schema_offers_exactly_the_domain_codes():
    schema = json.loads((DATA_DIR / "schema" / "reform_areas.schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["area"]["enum"] == [*CODES, None]


def test_every_heading_and_target_of_the_five_plans_is_mapped_or_said_unmapped():
    assert len(PLANS) == 5 and set(MAPPING["plans"]) == set(PLANS)
    for plan_id, plan in PLANS.items():
        entry = MAPPING["plans"][plan_id]
        assert set(entry["headings"]) == {t["area"] for t in plan["tasks"]}, plan_id
        assert set(entry["targets"]) == {t["id"] for t in plan["targets"]}, plan_id
        for area in [*entry["headings"].values(), *(t["area"] for t in entry["targets"].values())]:
            assert area is None or area in CODES, (plan_id, area)
    # a heading that names no single area is not classified, never guessed
    assert {MAPPING["plans"][p]["headings"].get("Tổ chức thực hiện", "absent") for p in PLANS} == {None, "absent"}
    assert MAPPING["plans"]["tay-ninh-490-qd-ubnd-2021"]["headings"]["Phân công thực hiện: Sở Tư pháp"] is None
    assert MAPPING["plans"]["ha-tinh-239-kh-ubnd-2016"]["headings"]["Cải cách thể chế"] == "institutions"


def test_the_loader_sets_the_area_on_tasks_targets_and_indicators():
    reference = load_reference()
    plans = {p["id"]: p for p in reference.plans}
    tasks = {t["ref"]: t for t in plans["ha-tinh-239-kh-ubnd-2016"]["tasks"]}
    targets = {t["id"]: t for p in reference.plans for t in p["targets"]}
    indicators = {i["code"]: i for i in reference.indicators}
    assert tasks["2.1"]["area"] == "Cải cách thể chế" and tasks["2.1"]["reform_area"] == "institutions"
    assert (targets["HT239-10"]["reform_area"], targets["HT239-01"]["reform_area"]) == ("procedures", None)
    assert targets["TN490-06"]["reform_area"] == "digital_government"
    assert indicators["online_services_level4_pct"]["reform_area"] == "digital_government"    # its family's
    assert indicators["headcount_change_pct"]["reform_area"] == "civil_service"
    assert indicators["par_a3_procedures"]["reform_area"] == "procedures"                     # one of its own
    assert indicators["par_index"]["reform_area"] is None


def test_a_heading_or_target_the_mapping_lacks_and_a_stale_entry_are_refused(data_copy):
    path = data_copy / "plans" / "lao-cai-02-2011-ct-ubnd.yaml"
    plan = yaml.safe_load(path.read_text(encoding="utf-8"))
    plan["tasks"][0]["area"] = "Một tiêu đề mới"
    plan["targets"][0]["id"] = "LC02-02"
    _write_yaml(path, plan)
    problems = refusals(data_copy)
    assert any("no area for the heading 'Một tiêu đề mới'" in p and "tasks/0 (5.b)" in p for p in problems), problems
    assert any("no task of lao-cai-02-2011-ct-ubnd.yaml sits under the heading 'Cơ chế một cửa" in p
               for p in problems), problems
    assert any("no area for target LC02-02" in p for p in problems), problems
    assert any("targets/LC02-01: no target LC02-01" in p for p in problems), problems


def test_a_family_without_an_area_and_a_code_that_is_not_an_area_are_refused(data_copy):
    path = data_copy / "reform_areas.yaml"
    mapping = yaml.safe_load(path.read_text(encoding="utf-8"))
    del mapping["indicators"]["families"]["quality"]
    mapping["plans"]["ben-tre-2597-kh-ubnd-2015"]["headings"]["Mức độ hài lòng"] = "satisfaction"
    _write_yaml(path, mapping)
    problems = refusals(data_copy)
    assert any("reform_areas.yaml at plans/ben-tre-2597-kh-ubnd-2015/headings/Mức độ hài lòng" in p
               and "'satisfaction' is not one of" in p for p in problems), problems
    del mapping["plans"]["ben-tre-2597-kh-ubnd-2015"]["headings"]["Mức độ hài lòng"]
    mapping["plans"]["ben-tre-2597-kh-ubnd-2015"]["headings"]["Mức độ hài lòng"] = None
    _write_yaml(path, mapping)
    assert refusals(data_copy) == ["reform_areas.yaml at indicators/families: no area for the family quality "
                                   "(null for none)"]


def test_the_build_stores_the_areas_and_the_dataset_reads_them(store):
    tasks = store.tasks().set_index(["plan_id", "ref"]).reform_area
    assert tasks["ha-tinh-239-kh-ubnd-2016", "2.1"] == "institutions"
    assert tasks["dong-nai-51-kh-tu-2008", "1.1a"] == "direction"
    targets = store.targets().set_index("target_id").reform_area
    assert (targets["TN490-01"], targets["BT2597-01"]) == ("institutions", "procedures")
    assert targets.isna().sum() == 14 and targets.notna().sum() == 49
    indicators = store.indicators().set_index("code").reform_area
    # 44 not classified: the composite indices and their parts that span areas (SIPAS and its five factors among them)
    assert indicators["ict_index"] == "digital_government" and indicators.isna().sum() == 44
    ds = Dataset.load(store)
    assert ds.targets.set_index("target_id").reform_area["HT239-43"] == "organisation"
    assert (ds.tasks.reform_area == "civil_service").sum() == 20
    assert ds.indicators.set_index("code").reform_area["papi_d8_e_governance"] == "digital_government"


def test_a_database_of_the_schema_before_migrates_in_place_and_gets_its_areas(built_db, tmp_path):
    """A database at 0012 (no reform_area anywhere), with users and figures, opened by this code on either backend:
    the migration adds the columns in place and the build that follows fills them as a fresh build does."""
    old_where, new_where = copy_db(built_db, tmp_path / "old.duckdb"), copy_db(built_db, tmp_path / "new.duckdb")
    for where in (old_where, new_where):
        store = open_store(where)
        try:
            _filled(store)
        finally:
            store.close()
    _run_raw(old_where, [*(f"ALTER TABLE {t} DROP COLUMN reform_area" for t in ("task", "target", "indicator")),
                         "DELETE FROM schema_migration WHERE name = '0013_reform_area'",
                         "UPDATE meta SET value = '0012_not_stated' WHERE key = 'schema_version'"])
    before = open_store(old_where)
    try:
        assert not before.is_built()
        columns = _schema(before)
        assert [t for t in ("task", "target", "indicator") if "reform_area" in columns[t]] == []
    finally:
        before.close()
    upgraded, fresh = open_writable(old_where), open_store(new_where)
    try:
        assert upgraded.is_built() and upgraded.applied_migrations() == fresh.applied_migrations()
        assert _schema(upgraded) == _schema(fresh)
        for read in ("tasks", "targets", "indicators"):
            assert getattr(upgraded, read)().equals(getattr(fresh, read)()), read
        assert upgraded.targets().reform_area.notna().sum() == 49
        assert upgraded.query("SELECT name FROM app_user ORDER BY name").name.tolist() == ["reviewer", "tester"]
        assert upgraded.actuals(indicator_code="sipas", province_code="42").period.tolist() == ["2022", "2023"]
    finally:
        upgraded.close()
        fresh.close()


@pytest.mark.parametrize("lang, areas, count, column, shown", [
    ("vi", "procedures", 15, "Lĩnh vực cải cách", area_name("procedures", "vi")),
    ("en", "none", 14, "Reform area", "Not classified")])
def test_the_plans_page_filters_targets_and_tasks_by_area(app, lang, areas, count, column, shown):  # noqa: F811
    at = open_page(app, "pages/plans.py", areas=areas, **({"lang": lang} if lang == "en" else {}))
    assert not at.exception
    targets, tasks = at.dataframe[1].value, at.dataframe[-2].value
    assert len(targets) == count and set(targets[column]) == {shown}
    assert len(tasks) > 0 and set(tasks[column]) == {shown}


def test_the_overview_table_shows_the_area_of_every_target(app):  # noqa: F811
    everything = open_page(app, "pages/overview.py").dataframe[-1].value
    assert len(everything) == 63 and len(set(everything["Lĩnh vực cải cách"])) == 8   # seven areas and none


def test_the_overview_table_filters_by_area(app):  # noqa: F811
    chosen = open_page(app, "pages/overview.py", areas="digital_government,institutions").dataframe[-1].value
    assert len(chosen) == 19 + 1
    assert set(chosen["Lĩnh vực cải cách"]) == {area_name("digital_government"), area_name("institutions")}
