"""Schema and consistency checks of every reviewed file under data/."""

import re
from pathlib import Path

import pytest
import yaml

from indicators.domain.text import squash_spaces
from indicators.reference.loader import DATA_DIR, ReferenceDataError, load_reference

REFERENCE = load_reference()
ALL_TARGETS = [(plan, t) for plan in REFERENCE.plans for t in plan["targets"]]


def test_every_reference_file_passes_its_schema_and_cross_checks():
    assert len(REFERENCE.provinces) == 98
    assert len(REFERENCE.plans) == 5


def test_every_plan_file_is_listed_and_loaded():
    assert len(list((DATA_DIR / "plans").glob("*.yaml"))) == len(REFERENCE.plans)


@pytest.mark.parametrize("plan_id, at_least", [
    ("ha-tinh-239-kh-ubnd-2016", 30), ("tay-ninh-490-qd-ubnd-2021", 8),
    ("dong-nai-51-kh-tu-2008", 1), ("lao-cai-02-2011-ct-ubnd", 1), ("ben-tre-2597-kh-ubnd-2015", 1)])
def test_each_plan_carries_its_numeric_targets(plan_id, at_least):
    plan = next(p for p in REFERENCE.plans if p["id"] == plan_id)
    assert len(plan["targets"]) >= at_least


def test_the_tasks_of_ha_tinh_appendix_and_dong_nai_dated_tasks_are_stored():
    tasks = {p["id"]: p["tasks"] for p in REFERENCE.plans}
    assert len([t for t in tasks["ha-tinh-239-kh-ubnd-2016"] if "section" not in t]) == 45   # the appendix
    assert len(tasks["dong-nai-51-kh-tu-2008"]) >= 25
    assert tasks["ha-tinh-239-kh-ubnd-2016"] and all(t["lead_body"] for t in tasks["ha-tinh-239-kh-ubnd-2016"])


def test_every_quote_and_task_is_verbatim_in_its_seed(seeds_dir):
    missing = []
    for plan in REFERENCE.plans:
        seed = squash_spaces((seeds_dir / plan["source_file"]).read_text(encoding="utf-8"))
        missing += [t["id"] for t in plan["targets"] if squash_spaces(t["quote"]) not in seed]
        missing += [f"{plan['id']}:{k['ref']}" for k in plan["tasks"] if squash_spaces(k["task"]) not in seed]
    assert missing == []


# Targets whose number the sentence implies rather than writes: "tất cả" (all) is 100 %,
# and a milestone ("hoàn thành ...") is 1. Reviewed by hand; keep it short.
IMPLICIT_NUMBER = {"DN51-01", "LC02-01", "BT2597-01", "HT239-15", "HT239-30", "HT239-47", "HT239-48"}


def test_every_quote_states_the_number_it_is_judged_by():
    """A guard against a target pasted under the wrong sentence."""
    unstated = []
    for _, target in ALL_TARGETS:
        numbers = [f"{abs(target[k]):g}" for k in ("value", "value_high") if k in target]
        if not all(re.search(rf"(?<![\d.,]){n}(?![\d])", re.sub(r"(?<!\d)0(\d)", r"\1", target["quote"]))
                   for n in numbers):
            unstated.append(target["id"])
    assert sorted(unstated) == sorted(IMPLICIT_NUMBER)


def test_target_ids_follow_their_plan():
    assert ALL_TARGETS
    for plan, target in ALL_TARGETS:
        prefix = re.match(r"[A-Z]+\d+", target["id"]).group(0)
        assert [t["id"] for t in plan["targets"] if not t["id"].startswith(prefix)] == []  # holds target itself


def _write_yaml(path: Path, document) -> None:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def refusals(folder: Path) -> list[str]:
    """The problems the loader names for an edited copy of data/ (it must refuse it)."""
    with pytest.raises(ReferenceDataError) as raised:
        load_reference(folder)
    return raised.value.problems


def test_a_province_row_with_a_bad_region_is_named_by_row_and_column(data_copy):
    path = data_copy / "provinces.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",TDMNPB,", ",NOWHERE,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = refusals(data_copy)
    assert "provinces.csv row 5, column region: unknown region 'NOWHERE'" in problems


def test_a_province_name_in_nfd_is_refused(data_copy):
    import unicodedata
    path = data_copy / "provinces.csv"
    text = path.read_text(encoding="utf-8").replace("Hà Giang", unicodedata.normalize("NFD", "Hà Giang"), 1)
    path.write_text(text, encoding="utf-8")
    problems = refusals(data_copy)
    assert any("row 3, column name: text is not NFC" in p for p in problems)


def test_a_successor_that_does_not_exist_is_refused(data_copy):
    path = data_copy / "provinces.csv"
    text = path.read_text(encoding="utf-8").replace("Tỉnh Hà Giang,Ha Giang,TDMNPB,08",
                                                    "Tỉnh Hà Giang,Ha Giang,TDMNPB,09")
    path.write_text(text, encoding="utf-8")
    problems = refusals(data_copy)
    assert any("column successor_code: no province 09 is valid" in p for p in problems)


def test_an_unknown_field_in_the_catalogue_is_refused(data_copy):
    path = data_copy / "indicators.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["indicators"][0]["colour"] = "red"
    _write_yaml(path, document)
    problems = refusals(data_copy)
    assert any("indicators.yaml at indicators/0" in p and "colour" in p for p in problems)


@pytest.mark.parametrize("change, message", [
    ({"indicator": "no_such_indicator"}, "unknown indicator 'no_such_indicator'"),
    ({"comparator": "<="}, "contradicts the direction"),
    ({"comparator": "between"}, "'value_high' is a required property"),
    ({"value": 180}, "outside procedures_published_pct's range"),
    ({"deadline": "2015"}, "before the start"),
    ({"deadline": "2020-13"}, "does not match"),
])
def test_a_broken_target_is_named_by_file_and_item(data_copy, change, message):
    path = data_copy / "plans" / "ha-tinh-239-kh-ubnd-2016.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["targets"][9].update(change)  # HT239-10, procedures published >= 100
    _write_yaml(path, document)
    problems = refusals(data_copy)
    assert any("ha-tinh-239-kh-ubnd-2016.yaml at targets/9" in p and message in p for p in problems), \
        problems


def test_a_plan_for_a_province_that_did_not_exist_then_is_refused(data_copy):
    path = data_copy / "plans" / "tay-ninh-490-qd-ubnd-2021.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["province"] = {"code": "80", "valid_from": "2025-07-01"}
    _write_yaml(path, document)
    problems = refusals(data_copy)
    assert any("was not valid on 2021-03-05" in p for p in problems)


def test_the_corrections_checked_against_the_seeds_hold():
    """Issue 14's audit, the corrections made so far, each against its seed: Hà Tĩnh's appendix dates task 3.2
    (phasing) 2016 and task 5.8 (the staff software) 2016–2017; Lào Cai's directive runs the one-stop shop 'in
    2012 and the following years' of its 2011–2015 programme."""
    targets = {t["id"]: t for plan in load_reference().plans for t in plan["targets"]}
    assert (targets["HT239-12"]["start"], targets["HT239-12"]["deadline"]) == ("2016", "2016")
    assert (targets["HT239-23"]["start"], targets["HT239-23"]["deadline"]) == ("2016", "2017")
    lao_cai = targets["LC02-01"]
    assert (lao_cai["start"], lao_cai["deadline"], lao_cai.get("recurring")) == ("2012", "2015", True)


def test_every_ha_tinh_appendix_task_has_the_years_of_its_row(seeds_dir):
    """The appendix's year cell of each row (a row split in two, 2.1 / 2.1b, has two), read from the seed."""
    plan = next(p for p in REFERENCE.plans if p["id"] == "ha-tinh-239-kh-ubnd-2016")
    seed = squash_spaces((seeds_dir / plan["source_file"]).read_text(encoding="utf-8"))
    appendix = seed[seed.index("1.1. Xây dựng và tổ chức thực hiện Đề án"):]
    wrong = []
    for task in plan["tasks"]:
        if "section" in task:       # sections II and III, not the appendix
            continue
        ref = task["ref"].rstrip("b")
        start = appendix.index(f"{ref}. ")
        following = re.search(r"\s(\d+\.\d+)\.\s", appendix[start + len(ref) + 2:])
        row = appendix[start: start + len(ref) + 2 + (following.start() if following else 400)]
        cells = re.findall(r"\|\s*(20\d\d)(?:\s*-\s*(20\d\d))?\s*\|", row + "|")
        span = cells[1 if task["ref"].endswith("b") else 0]
        if (span[0], span[1] or span[0]) != (task["start"], task["deadline"]):
            wrong.append((task["ref"], task["start"], task["deadline"], span))
    assert wrong == []
