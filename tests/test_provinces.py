"""The province registry: both lists, the 2025 mapping, codes reused across eras, name lookups."""

import json
import sqlite3
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from indicators.domain.registry import Registry, UnknownProvince
from indicators.reference.loader import load_reference
from indicators.storage import open_store

vau = pytest.importorskip("vietnamadminunits", reason="the cross-check needs the vietnamadminunits package")

PROVINCES = load_reference().provinces
OLD = [p for p in PROVINCES if p["valid_to"] == date(2025, 6, 30)]
NEW = [p for p in PROVINCES if p["valid_to"] is None]


@pytest.fixture(scope="module")
def package_lists():
    data = Path(vau.__file__).parent / "data"
    with sqlite3.connect(data / "dataset.db") as db:
        new = dict(db.execute("SELECT DISTINCT provinceCode, province FROM admin_units").fetchall())
        old = dict(db.execute("SELECT DISTINCT provinceCode, province FROM admin_units_legacy").fetchall())
        new_keys = dict(db.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units").fetchall())
        old_keys = dict(db.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units_legacy").fetchall())
    mapping = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))["DICT_PROVINCE"]
    successors = {old_keys[o]: new_keys[n] for n, olds in mapping.items() for o in olds}
    return old, new, successors


def test_there_are_63_old_and_34_new_provinces():
    assert (len(OLD), len(NEW)) == (63, 34)
    assert {p["valid_to"] for p in OLD} == {date(2025, 6, 30)}
    assert {p["valid_from"] for p in NEW} == {date(2025, 7, 1)}


def test_ha_tay_ends_in_2008_and_goes_to_ha_noi():
    ha_tay = [p for p in PROVINCES if p["valid_to"] not in (None, date(2025, 6, 30))]
    assert [(p["name"], p["valid_to"], p["successor_code"]) for p in ha_tay] == [("Hà Tây", date(2008, 7, 31), "01")]


def test_the_old_list_matches_the_package(package_lists):
    old, _, _ = package_lists
    assert {p["code"]: p["full_name"] for p in OLD} == old


def test_the_new_list_matches_the_package(package_lists):
    _, new, _ = package_lists
    assert {p["code"]: p["full_name"] for p in NEW} == new


def test_every_old_province_has_the_successor_the_package_gives(package_lists):
    _, _, successors = package_lists
    assert {p["code"]: p["successor_code"] for p in OLD} == successors


def test_every_new_province_absorbed_at_least_one_old_one():
    absorbed = {p["successor_code"] for p in OLD}
    assert absorbed == {p["code"] for p in NEW}


def test_codes_reused_with_another_meaning_are_told_apart():
    by_key = {(p["code"], p["valid_from"].year): p["name"] for p in PROVINCES}
    assert by_key[("15", 2004)] == "Yên Bái" and by_key[("15", 2025)] == "Lào Cai"
    assert by_key[("80", 2004)] == "Long An" and by_key[("80", 2025)] == "Tây Ninh"
    assert by_key[("82", 2004)] == "Tiền Giang" and by_key[("82", 2025)] == "Đồng Tháp"
    assert by_key[("91", 2004)] == "Kiên Giang" and by_key[("91", 2025)] == "An Giang"


@pytest.fixture(scope="module")
def registry(built_db):
    store = open_store(built_db, read_only=True)
    yield Registry(store.provinces(), store.province_aliases())
    store.close()


@pytest.mark.parametrize("text, day, expected", [
    ("15", date(2020, 1, 1), ("15", date(2004, 1, 1))),
    ("15", date(2025, 7, 1), ("15", date(2025, 7, 1))),
    ("Yên Bái", date(2020, 1, 1), ("15", date(2004, 1, 1))),
    ("Lào Cai", date(2020, 1, 1), ("10", date(2004, 1, 1))),
    ("Lào Cai", date(2026, 1, 1), ("15", date(2025, 7, 1))),
    ("TP HCM", date(2020, 1, 1), ("79", date(2004, 1, 1))),
    ("Ho Chi Minh City", date(2020, 1, 1), ("79", date(2004, 1, 1))),
    ("TP. Ho Chi Minh", date(2020, 1, 1), ("79", date(2004, 1, 1))),
    ("Thừa Thiên Huế", date(2020, 1, 1), ("46", date(2004, 1, 1))),
    ("Thua Thien-Hue", date(2020, 1, 1), ("46", date(2004, 1, 1))),
    ("Ba Ria - Vung Tau", date(2020, 1, 1), ("77", date(2004, 1, 1))),
    ("Ba Ria-Vung Tau", date(2020, 1, 1), ("77", date(2004, 1, 1))),
    ("Hanoi", date(2020, 1, 1), ("01", date(2004, 1, 1))),
    ("Ha Noi", date(2026, 1, 1), ("01", date(2025, 7, 1))),
    ("Tỉnh Hà Tĩnh", date(2016, 7, 29), ("42", date(2004, 1, 1))),
    ("DAK LAK", date(2020, 1, 1), ("66", date(2004, 1, 1))),
    ("Đắc Lắc", date(2020, 1, 1), ("66", date(2004, 1, 1))),
    (unicodedata.normalize("NFD", "Bến Tre"), date(2020, 1, 1), ("83", date(2004, 1, 1))),
])
def test_names_and_codes_resolve_to_the_province_of_their_day(registry, text, day, expected):
    assert registry.resolve(text, day) == expected


def test_an_old_province_after_the_merger_is_refused_with_its_successor(registry):
    with pytest.raises(UnknownProvince, match="Bến Tre.*successor is 86"):
        registry.resolve("Bến Tre", date(2025, 8, 1))


def test_an_unknown_name_is_refused(registry):
    with pytest.raises(UnknownProvince, match="not a known province"):
        registry.resolve("Atlantis", date(2020, 1, 1))


def test_a_name_over_a_whole_year_finds_the_province_valid_in_it(registry):
    assert registry.resolve_in_period("Hà Tây", date(2008, 1, 1), date(2008, 12, 31)) == ("28", date(2004, 1, 1))
    assert registry.resolve_in_period("Hà Tĩnh", date(2025, 1, 1), date(2025, 12, 31)) == ("42", date(2025, 7, 1))
    assert registry.resolve_in_period("Bến Tre", date(2025, 1, 1), date(2025, 12, 31)) == ("83", date(2004, 1, 1))


def test_a_new_province_knows_the_old_ones_it_absorbed(registry):
    assert registry.predecessors(("80", date(2025, 7, 1))) == [("72", date(2004, 1, 1)), ("80", date(2004, 1, 1))]
    assert registry.predecessors(("86", date(2025, 7, 1))) == [
        ("83", date(2004, 1, 1)), ("84", date(2004, 1, 1)), ("86", date(2004, 1, 1))]
    assert registry.predecessors(("72", date(2004, 1, 1))) == []
