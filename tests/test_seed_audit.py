"""The plans as written (issue 26, point 7): every stored sentence against its seed, every correction of the
re-audit in docs/seed-audit.md pinned, and every reorganisation fact of departments.yaml with its source."""

import re
import unicodedata
from datetime import date

import pandas as pd
import pytest
import yaml

from indicators.domain.tasks import occurrences
from indicators.reference.loader import DATA_DIR, ReferenceDataError, load_reference

REFERENCE = load_reference()
PLANS = {p["id"].split("-")[0] + "-" + p["id"].split("-")[1]: p for p in REFERENCE.plans}
AUDIT = (DATA_DIR.parent / "docs" / "seed-audit.md").read_text(encoding="utf-8")


def fold(text: str) -> str:
    """NFC, one space for any run of whitespace, the form quotes are compared in."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def seed_of(plan, seeds_dir) -> str:
    return fold((seeds_dir / plan["source_file"]).read_text(encoding="utf-8"))


def task(plan_key: str, ref: str) -> dict:
    return next(t for t in PLANS[plan_key]["tasks"] if t["ref"] == ref)


def target(target_id: str) -> dict:
    return next(t for p in REFERENCE.plans for t in p["targets"] if t["id"] == target_id)


def test_every_quote_task_text_and_verbatim_sentence_occurs_in_its_seed(seeds_dir):
    checked, missing = 0, []
    for plan in REFERENCE.plans:
        seed = seed_of(plan, seeds_dir)
        texts = [(t["id"], t["quote"]) for t in plan["targets"]]
        texts += [(k["ref"], k["verbatim"] if k["paraphrase"] else k["task"]) for k in plan["tasks"]]
        for key, text in texts:
            checked += 1
            if fold(text) not in seed:
                missing.append(f"{plan['id']}:{key}")
    assert missing == [] and checked == 193


# Each correction of the audit: (plan, ref), the seed's own words it rests on, and what is stored now.
CORRECTIONS = [
    ("dong-nai", "1.2b", "Các cấp ủy đảng, định kỳ hàng năm có kế hoạch tổ chức kiểm tra",
     {"_lead": ["G-CAP-UY"], "recurring": True, "start": "2008", "deadline": "2010"}),
    ("dong-nai", "6.4", "6.4. Hoàn thiện quy định thực hiện kiểm tra, thanh tra công vụ",
     {"_lead": ["G-KHONG-NEU"], "not_stated": ["lead_body"]}),
    ("lao-cai", "8", "8. Định kỳ báo cáo kết quả triển khai công tác cải cách hành chính",
     {"recurring": True, "not_stated": ["interval"], "start": "2012", "deadline": "2015"}),
    ("lao-cai", "9", "kế hoạch thực hiện Chương trình cải cách hành chính của tỉnh giai đoạn 2011 - 2015 trình",
     {"deadline_stated": False, "deadline": "2015", "_lead": ["10-SNV"]}),
    ("lao-cai", "12-BC", "Chỉ thị này có hiệu lực sau 10 ngày, kể từ ngày ký ban hành",
     {"recurring": True, "start": "2012"}),
    ("lao-cai", "3-KH", "và kế hoạch cải cách hàng năm cho phù hợp", {"recurring": True, "start": "2012"}),
    ("lao-cai", "3-CT", "chủ động xây dựng Chương trình cải cách hành chính giai đoạn 2011 - 2015 của ngành",
     {"deadline_stated": False, "recurring": False}),
    ("ben-tre", "2", "yêu cầu thủ trưởng các sở, ban, ngành tỉnh; Chủ tịch Ủy ban nhân dân các huyện, thành phố",
     {"_lead": ["G-SO-NGANH", "G-UBND-HUYEN"], "recurring": False, "deadline_stated": False}),
    ("ben-tre", "BC", "thực hiện đầy đủ chế độ thông tin, báo cáo tổng kết phong trào",
     {"_lead": ["G-SO-NGANH", "G-UBND-HUYEN"], "deadline_stated": False}),
    ("ha-tinh", "III.BC-6T", "Hà Tĩnh, ngày 29 tháng 07 năm 2016", {"start": "2017", "due_in_year": "M06"}),
    ("ha-tinh", "III.BC-SNV-6T", "về Sở Nội vụ để tổng hợp, báo cáo UBND tỉnh theo quy định",
     {"_lead": ["42-SNV"], "recurring": True, "not_stated": ["due_day"], "start": "2017"}),
    ("ha-tinh", "III.BC-SNV-NAM", "về Sở Nội vụ để tổng hợp, báo cáo UBND tỉnh theo quy định",
     {"_lead": ["42-SNV"], "recurring": True, "not_stated": ["due_day"], "start": "2016"}),
    ("ha-tinh", "II.5-CDVT", "xây dựng kế hoạch hàng năm việc chuyển đổi vị trí công tác",
     {"_lead": ["42-SNV"], "recurring": True, "section": "II"}),
    ("ha-tinh", "II.6-TDKH", "Thẩm định kế hoạch tài chính hàng năm của doanh nghiệp nhà nước",
     {"_lead": ["42-STC"], "recurring": True, "section": "II"}),
    ("tay-ninh", "III.2.e-2", "sơ kết giữa nhiệm kỳ để đánh giá quá trình thực hiện",
     {"deadline_stated": False, "recurring": False}),
]


@pytest.mark.parametrize("plan_key, ref, words, expected", CORRECTIONS, ids=[f"{c[0]}:{c[1]}" for c in CORRECTIONS])
def test_each_task_correction_holds_and_rests_on_the_seed(seeds_dir, plan_key, ref, words, expected):
    assert fold(words) in seed_of(PLANS[plan_key], seeds_dir)
    stored = task(plan_key, ref)
    assert {name: stored.get(name, False) for name in expected} == expected
    assert re.search(rf"\| task {re.escape(ref)} \|[^\n]*\*\*(fixed|added|not stated)\*\*", AUDIT)


@pytest.mark.parametrize("target_id, words, owner", [
    ("DN51-01", "Ban Cán sự đảng UBND tỉnh chỉ đạo thực hiện các nội dung sau: 4.1.", ["75-BCSD-UBND"]),
    ("TN490-07", "c) Có các giải pháp để đảm bảo các dịch vụ công tiếp tục được cung cấp trực tuyến", ["72-STTTT"]),
    ("TN490-08", "Đẩy mạnh thực hiện thủ tục hành chính trên môi trường điện tử", ["G-SO-NGANH", "G-UBND-HUYEN"]),
    ("HT239-13", "4. Sở Tư pháp Chủ trì, hướng dẫn, đôn đốc", ["42-STP"]),
    ("BT2597-01", "yêu cầu thủ trưởng các sở, ban, ngành tỉnh;", ["G-SO-NGANH", "G-UBND-HUYEN"]),
])
def test_each_owner_correction_holds_and_rests_on_the_seed(seeds_dir, target_id, words, owner):
    plan = next(p for p in REFERENCE.plans if any(t["id"] == target_id for t in p["targets"]))
    assert fold(words) in seed_of(plan, seeds_dir)
    assert target(target_id)["_owner"] == owner
    assert re.search(rf"\| target {target_id} \|[^\n]*\*\*fixed\*\*", AUDIT)


def test_targets_without_an_owner_say_so():
    unowned = sorted(t["id"] for p in REFERENCE.plans for t in p["targets"] if not t["_owner"])
    assert unowned == ["LC02-01", "TN490-02"]
    assert [target(i)["not_stated"] for i in unowned] == [["owner"], ["owner"]]


def test_a_deadline_not_stated_is_the_plans_horizon_and_is_said():
    not_stated = [(p, item) for p in REFERENCE.plans for item in p["targets"] + p["tasks"]
                  if not item["deadline_stated"]]
    assert len(not_stated) == 45     # Tây Ninh's section III 34, Hà Tĩnh's targets 5, Bến Tre 4, Lào Cai 2
    assert {item["deadline"] == plan["period_end"] for plan, item in not_stated} == {True}
    assert {target(i)["deadline_stated"] for i in ("HT239-42", "HT239-45", "HT239-47", "HT239-48", "HT239-49")} \
        == {False}
    assert task("tay-ninh", "III.2.a")["deadline_stated"] and task("tay-ninh", "III.6.b")["deadline_stated"]


def test_no_occurrence_is_due_before_its_plan_was_issued():
    early = [(p["id"], k["ref"], o.occurrence) for p in REFERENCE.plans for k in p["tasks"]
             for o in occurrences(k["start"], k["deadline"], bool(k.get("recurring")), k.get("due_in_year"))
             if o.due < date.fromisoformat(p["issued_on"])]
    assert early == []


def test_every_stored_commitment_has_a_row_in_the_audit():
    rows = set(re.findall(r"^\| (?:task|target) (\S+) \|", AUDIT, flags=re.M))
    stored = {t["id"] for p in REFERENCE.plans for t in p["targets"]} | {k["ref"] for p in REFERENCE.plans
                                                                          for k in p["tasks"]}
    assert stored - rows == set() and len(stored) > 150


def _load_edited(data_copy, file_name, edit):
    path = data_copy / "plans" / file_name
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_reference(data_copy)


def _refused(data_copy, file_name, edit) -> list[str]:
    with pytest.raises(ReferenceDataError) as raised:
        _load_edited(data_copy, file_name, edit)
    return raised.value.problems


def test_a_deadline_said_not_stated_must_be_the_plans_end(data_copy):
    def edit(document):
        document["tasks"][3]["deadline"] = "2012"          # Lào Cai 9, whose deadline the directive does not state
    problems = _refused(data_copy, "lao-cai-02-2011-ct-ubnd.yaml", edit)
    assert any("tasks/3 (9), field deadline: not stated, so it must be the plan's period_end 2015" in p
               for p in problems)


def test_a_target_without_an_owner_that_does_not_say_so_is_refused(data_copy):
    def edit(document):
        del document["targets"][0]["not_stated"]           # LC02-01
    problems = _refused(data_copy, "lao-cai-02-2011-ct-ubnd.yaml", edit)
    assert any("targets/0 (LC02-01)" in p and "not_stated" in p for p in problems)


def test_a_paraphrase_keeps_its_verbatim_sentence_and_needs_it(data_copy):
    sentence = task("lao-cai", "9")["task"]

    def paraphrase(document):
        document["tasks"][3].update(task="Sở Nội vụ lập kế hoạch CCHC 2011–2015", paraphrase=True, verbatim=sentence)
    loaded = _load_edited(data_copy, "lao-cai-02-2011-ct-ubnd.yaml", paraphrase)
    stored = next(k for p in loaded.plans for k in p["tasks"] if k["ref"] == "9" and p["id"].startswith("lao"))
    assert (stored["paraphrase"], stored["verbatim"]) == (True, sentence)

    def without_verbatim(document):
        document["tasks"][3].update(paraphrase=True)
        del document["tasks"][3]["verbatim"]
    problems = _refused(data_copy, "lao-cai-02-2011-ct-ubnd.yaml", without_verbatim)
    assert any("'verbatim' is a dependency of 'paraphrase'" in p for p in problems)


# --- reorganisation facts -------------------------------------------------------------------------------------

DEPARTMENTS = yaml.safe_load((DATA_DIR / "units" / "departments.yaml").read_text(encoding="utf-8"))


def test_every_mapping_names_a_found_source_or_says_it_has_none():
    sources = DEPARTMENTS["sources"]
    mappings = [(u["code"], u["successor"]["source"]) for block in DEPARTMENTS["provinces"] for u in block["units"]
                if "successor" in u]
    mappings.append(("uniform_departments", DEPARTMENTS["uniform_departments"]["source"]))
    unsourced = sorted(code for code, source in mappings if source == "chưa có nguồn")
    cited = [key for _, source in mappings if source != "chưa có nguồn" for key in source]
    assert len(mappings) == 21 and unsourced == ["42-BAO", "42-SKHDT", "72-SKHDT"]
    assert set(cited) <= set(sources) and {"nd150_2025", "nq202_2025", "bao_ha_tinh_0104"} <= set(cited)
    assert [k for k, s in sources.items() if not (s["url"].startswith("http") and s["says"])] == []


def test_the_departments_from_2025_cite_decree_150_and_the_loader_keeps_unsourced_marks():
    assert DEPARTMENTS["uniform_departments"]["source"] == ["nd150_2025"]
    assert "Điều 8 Nghị định 150" in DEPARTMENTS["sources"]["nd150_2025"]["says"]
    rows = {(r["province_code"], r["code"]): r for r in REFERENCE.units.rows if r["province_code"]}
    assert "Nghị định 150/2025/NĐ-CP" in rows[("80", "80-SNV")]["source"]
    assert "chưa có nguồn (42-STC)" in rows[("42", "42-SKHDT")]["source"]
    radio = rows[("42", "42-DAI")]
    assert radio["valid_to"] == date(2025, 3, 31) and radio["successors"] == [("42-BAO", "2004-01-01")]
    assert "1/4" in DEPARTMENTS["sources"]["bao_ha_tinh_0104"]["says"]


def test_what_a_plan_does_not_state_reaches_the_database_and_the_screen(store):
    """Issue 26: "không nêu" is stored beside the horizon the dashboard judges by, and shown in words."""
    from indicators.domain.scorecard import deadline_words

    tasks = store.tasks().set_index(["plan_id", "ref"])
    targets = store.targets().set_index("target_id")
    assert targets.loc["HT239-42", "not_stated"] == "deadline" and targets.loc["LC02-01", "not_stated"] == "owner"
    assert pd.isna(targets.loc["HT239-01", "not_stated"])
    assert deadline_words(targets.loc["HT239-42"], "vi") == "không nêu (tính đến hết kỳ kế hoạch, 2020)"
    assert deadline_words(targets.loc["HT239-01"], "en") == "2020"
    stated = tasks.not_stated.fillna("").str.split(";").explode()
    assert {"deadline", "interval", "due_day", "lead_body"} <= set(stated)
    assert tasks.loc[("lao-cai-02-2011-ct-ubnd", "8"), "not_stated"] == "interval"
