"""The header cells each layout knows (folded by ``reader.header_key``, Vietnamese or English) and what the
engine reads from a header alone: which layout it is, which role each column has, which columns are unknown."""

from __future__ import annotations

import re

from indicators.i18n import bilingual

from .table import Problem, column_letter, header_key, role_of

# Header cells (folded by reader.header_key) that name each column, in Vietnamese and English.
ACTUAL_ALIASES: dict[str, set[str]] = {
    "province": {"province", "provincecode", "tinh", "matinh", "tinhthanh", "tinhthanhpho", "donvi"},
    "indicator": {"indicator", "indicatorcode", "chitieu", "machitieu", "mach tieu", "chiso"},
    "period": {"period", "ky", "kybaocao", "thoiky", "kydulieu"},
    "value": {"value", "giatri", "solieu", "ketqua"},
    "source": {"source", "nguon", "nguonsolieu", "nguondulieu"},
    "note": {"note", "ghichu"},
    # a unit below the province (a department, a commune), by its code as meant in the row's period; blank: the
    # province itself
    "unit": {"unit", "unitcode", "madonvi", "maxa", "maxaphuong"},
    # what `python -m indicators export actuals` writes beside them, so that an export imports back as it was:
    "province_since": {"provincevalidfrom", "validfrom", "hieuluctu"},  # pins the province's era
    "province_name": {"provincename", "tentinh"},  # with a code column: checked against it
    "batch_id": {"batchid"},  # the batch it came from: information only
}
LONG_REQUIRED = ("province", "indicator", "period", "value")
PERIOD_HEADER = re.compile(r"^(\d{4})(h[12]|q[1-4]|(0[1-9]|1[0-2]))?$", re.ASCII)

TARGET_ALIASES: dict[str, set[str]] = {
    "plan": {"plan", "planid", "plannumber", "kehoach", "sokehoach", "vanban", "sovanban", "sohieu"},
    "province": ACTUAL_ALIASES["province"] | ACTUAL_ALIASES["province_name"],
    "indicator": ACTUAL_ALIASES["indicator"],
    "comparator": {"comparator", "sosanh", "dieukien", "phepso"},
    "value": {"value", "giatri", "muctieu", "target"},
    "value_high": {"valuehigh", "giatritren", "muctren"},
    "deadline": {"deadline", "hanchot", "thoihan", "hoanthanh"},
    "source": {"source", "quote", "trichdan", "cautrich", "nguyenvan", "nguon"},
    "start": {"start", "batdau", "tuky"},
    "baseline_period": {"baselineperiod", "kygoc", "namgoc"},
    "baseline_value": {"baselinevalue", "giatrigoc"},
    "recurring": {"recurring", "hangnam", "lapla"},
    "plan_title": {"plantitle", "tenkehoach", "trichyeu"},
    "issued_on": {"issuedon", "ngaybanhanh", "ngayky"},
    "note": ACTUAL_ALIASES["note"],
}
TARGET_REQUIRED = ("plan", "province", "indicator", "comparator", "value", "deadline", "source")


def actual_role(key: str) -> str | None:
    return role_of(key, ACTUAL_ALIASES)


def target_role(key: str) -> str | None:
    return role_of(key, TARGET_ALIASES)


def roles_of(keys: list[str]) -> list[str | None]:
    """The actuals role of each header cell; a province name column alone is the province column."""
    roles = [actual_role(k) for k in keys]
    if "province" not in roles and "province_name" in roles:
        roles[roles.index("province_name")] = "province"
    return roles


def is_target_header(keys: list[str]) -> bool:
    return {"plan", "comparator", "deadline"} <= {target_role(k) for k in keys}


def has_unit_column(header: list[str]) -> bool:
    return "unit" in roles_of([header_key(h) for h in header])


def is_actuals_header(keys: list[str]) -> bool:
    """A long header (province, indicator, period, value) or a wide one (a province column and period columns)."""
    roles = set(roles_of(keys))
    return set(LONG_REQUIRED) <= roles or ("province" in roles and any(PERIOD_HEADER.match(k) for k in keys))


def unknown_columns(header: list[str], row: int) -> list[Problem]:
    """A problem for every header cell of an actuals layout that names no column the layouts know (checked as
    soon as the header is read, before the rest of the file is)."""
    keys = [header_key(h) for h in header]
    roles = roles_of(keys)
    long = set(LONG_REQUIRED) <= set(roles)
    expected = ", ".join(LONG_REQUIRED + ("source", "note"))
    return [Problem(*bilingual("imp_unknown_column_expected", header=header[index], expected=expected), row=row,
                    column=column_letter(index))
            for index, (key, role) in enumerate(zip(keys, roles))
            if key and role is None and (long or not PERIOD_HEADER.match(key))]
