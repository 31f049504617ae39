"""Units below the province (issue 14, point 1) and the owners of tasks and targets (point 2)."""

import csv
from datetime import date

import pytest

from indicators.reference.loader import DATA_DIR, ReferenceDataError, load_reference
from indicators.reference.sources import communes

REFERENCE = load_reference()
UNITS = REFERENCE.units
SHIPPED = list(csv.DictReader((DATA_DIR / "units" / "communes.csv").open(encoding="utf-8")))


def test_the_communes_file_is_what_the_generator_makes_from_the_package(tmp_path):
    """Cross-check against vietnamadminunits, as the province table is: regenerate and compare byte for byte."""
    pytest.importorskip("vietnamadminunits", reason="the cross-check needs the vietnamadminunits package")
    fresh = tmp_path / "communes.csv"
    communes.write(communes.read_units(communes.package_data()), fresh)
    assert fresh.read_bytes() == (DATA_DIR / "units" / "communes.csv").read_bytes()


def test_3321_units_from_2025_in_34_provinces_with_codes_and_coordinates():
    new = [r for r in SHIPPED if r["valid_from"] == "2025-07-01"]
    assert len(new) == 3321
    assert len({r["province_code"] for r in new}) == 34
    assert {r["kind"] for r in new} == {"commune", "ward", "special_zone"}
    assert sum(r["kind"] == "special_zone" for r in new) == 13
    assert new and all(len(r["code"]) == 5 and r["lat"] and r["lon"] for r in new)
    # the package has no area for Thượng Trạch and Đông Trạch (Quảng Trị): left blank, never 0
    assert sorted(r["name"] for r in new if not r["area_km2"]) == ["Xã Thượng Trạch", "Xã Đông Trạch"]
    assert len({r["code"] for r in new}) == 3321


def test_every_old_ward_goes_to_a_new_unit_of_its_province_successor():
    provinces = {(p["code"], p["valid_from"].isoformat()): p for p in REFERENCE.provinces}
    new = {r["code"]: r for r in SHIPPED if r["valid_from"] == "2025-07-01"}
    old = [r for r in SHIPPED if r["valid_to"] == "2025-06-30" and r["kind"] != "district"]
    assert len(old) == 10035
    wrong = []
    for ward in old:
        codes = ward["successor_codes"].split(";")
        successor = provinces[(ward["province_code"], ward["province_valid_from"])]["successor_code"]
        if not codes[0] or any(code not in new or new[code]["province_code"] != successor for code in codes):
            wrong.append(ward["code"])
    assert wrong == []


def test_old_and_new_units_may_share_a_code_each_in_its_own_province_record():
    """Codes are reused across the 2025 lists (a new ward took the code of one it absorbed): a unit is its code
    within its province record and period, like a province."""
    old = {r["code"] for r in SHIPPED if r["valid_to"] == "2025-06-30"}
    new = {r["code"] for r in SHIPPED if r["valid_from"] == "2025-07-01"}
    assert old & new
    keys = [(r["province_code"], r["province_valid_from"], r["code"]) for r in SHIPPED]
    assert len(keys) == len(set(keys))


def test_two_spellings_of_one_department_are_one_unit():
    record = ("42", "2004-01-01")
    assert UNITS.resolve("Sở TTTT", record) == (["42-STTTT"], "")
    assert UNITS.resolve("Sở Thông tin và Truyền thông", record) == (["42-STTTT"], "")
    assert UNITS.resolve("Sở TTTT, Sở KHĐT, Sở Tài chính.", record) == (["42-STTTT", "42-SKHDT", "42-STC"], "")
    assert UNITS.resolve("Sở Nội vụ; Bưu điện tỉnh.", record) == (["42-SNV", "42-BUU-DIEN"], "")


def test_a_body_that_is_not_one_unit_says_so_and_an_unknown_one_is_left_over():
    record = ("42", "2004-01-01")
    assert UNITS.resolve("Các cơ quan, đơn vị liên quan.", record) == (["G-LIEN-QUAN"], "")
    assert UNITS.resolve("Sở Nội vụ, Sở Ngoại vụ", record) == (["42-SNV"], "sở ngoại vụ")


def test_the_2025_reorganisation_names_its_source():
    rows = {(r["province_code"], r["code"]): r for r in UNITS.rows if r["province_code"]}
    ttt = rows[("42", "42-STTTT")]
    assert ttt["valid_to"] == date(2025, 2, 28) and ttt["successors"] == [("42-SKHCN", "2004-01-01")]
    assert "Nghị định 45/2025/NĐ-CP" in ttt["source"] and "ictvietnam" not in ttt["source"]
    assert "Sở KH&CN" in ttt["source"]
    # a department of old Tây Ninh goes on as the department of the new one
    assert rows[("72", "72-SNV")]["successors"] == [("80-SNV", "2025-07-01")]
    assert rows[("72", "72-SNV")]["valid_to"] == date(2025, 6, 30)
    assert rows[("80", "80-SNV")]["valid_from"] == date(2025, 7, 1)


def test_every_seed_task_has_a_lead_and_every_partner_is_resolved():
    unresolved = [(p["id"], t["ref"]) for p in REFERENCE.plans for t in p["tasks"] if not t["_lead"]]
    assert unresolved == []
    no_lead = [t for p in REFERENCE.plans for t in p["tasks"] if t["_lead"] == ["G-KHONG-NEU"]]
    assert [t["ref"] for t in no_lead] == ["6.4"]   # Đồng Nai 6.4: the plan names no lead body


def test_tay_ninh_section_iii_and_the_reporting_duties_are_tasks():
    tasks = {p["id"]: {t["ref"]: t for t in p["tasks"]} for p in REFERENCE.plans}
    tay_ninh = tasks["tay-ninh-490-qd-ubnd-2021"]
    assert len(tay_ninh) == 38
    assert tay_ninh["III.6.b"]["_lead"] == ["72-STC"]
    assert tay_ninh["III.9.a"]["_lead"] == ["72-BAO", "72-DAI"]
    assert tay_ninh["III.1.a"]["_lead"] == ["G-SO-NGANH", "G-UBND-HUYEN"]
    assert tay_ninh["III.2.e-1"]["recurring"] is True
    ha_tinh = tasks["ha-tinh-239-kh-ubnd-2016"]
    assert ha_tinh["III.BC-6T"]["due_in_year"] == "M06" and ha_tinh["III.BC-NAM"]["due_in_year"] == "M12"
    assert tasks["dong-nai-51-kh-tu-2008"]["III.4-6T"]["due_in_year"] == "H1"
    assert tasks["lao-cai-02-2011-ct-ubnd"]["12-BC"]["recurring"] is True


def test_targets_are_owned_where_section_iii_names_the_body():
    targets = {t["id"]: t for p in REFERENCE.plans for t in p["targets"]}
    assert targets["TN490-05"]["_owner"] == ["72-STC"] and targets["TN490-11"]["_owner"] == ["72-VP"]
    assert targets["TN490-02"]["_owner"] == []       # section III names no single body
    assert [n for n in range(1, 47) if not targets[f"HT239-{n:02d}"]["_owner"]] == []
    assert targets["HT239-41"]["_owner"] == ["42-SKHCN"]


def test_an_unknown_body_in_a_plan_is_refused_by_file_task_and_field(data_copy):
    path = data_copy / "plans" / "lao-cai-02-2011-ct-ubnd.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('lead_body: "Sở Nội vụ"', 'lead_body: "Sở Ngoại vụ"', 1),
                    encoding="utf-8")
    with pytest.raises(ReferenceDataError) as raised:
        load_reference(data_copy)
    assert any("lao-cai-02-2011-ct-ubnd.yaml at tasks/3 (9), field lead_body" in p and "sở ngoại vụ" in p
               for p in raised.value.problems)


def test_a_change_without_a_source_is_refused(data_copy):
    path = data_copy / "units" / "departments.yaml"
    text = path.read_text(encoding="utf-8").replace(
        'valid_to: 2025-02-28, successor: {code: 42-STC, source: "chưa có nguồn"}, change_source: [nd45_2025]}',
        'valid_to: 2025-02-28, successor: {code: 42-STC, source: "chưa có nguồn"}}')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError) as raised:
        load_reference(data_copy)
    assert any("42-SKHDT" in p and "change_source" in p for p in raised.value.problems)


def test_the_build_stores_units_owners_and_leads(store):
    units = store.units(("42", date(2004, 1, 1)))
    assert "42-STTTT" in set(units.code)
    assert units.set_index("code").loc["42-STTTT", "successor_codes"] == "42-SKHCN"
    communes = store.units(kinds=("commune", "ward", "special_zone"))
    assert (communes.province_valid_from.astype(str) == "2025-07-01").sum() == 3321
    tasks = store.tasks().set_index(["plan_id", "ref"])
    assert tasks.loc[("ha-tinh-239-kh-ubnd-2016", "7.7"), "partner_unit_codes"] == "42-STTTT;42-SKHDT;42-STC"
    targets = store.targets().set_index("target_id")
    assert targets.loc["TN490-05", "owner_unit_code"] == "72-STC"
    assert store.integrity_problems() == []
