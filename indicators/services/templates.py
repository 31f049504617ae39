"""The files analysts fill in: the import template (long layout) and the target sheet, as CSV or .xlsx.

The template carries one example row whose source says it is an example; the importer refuses that row, so a
template sent back unedited writes nothing. The .xlsx template also lists every indicator (code, names, unit,
valid range) and every province (code, name, validity), so codes can be looked up without leaving Excel.
"""

from __future__ import annotations

import io

import pandas as pd

from indicators.services.exporting import to_csv

EXAMPLE_SOURCE = "VÍ DỤ - xoá dòng này / EXAMPLE - delete this row"
TEMPLATE_COLUMNS = ["province", "indicator", "period", "value", "source", "note"]
EXAMPLE_ROW = ["Hà Tĩnh", "satisfaction_procedures_pct", "2024", "85,5", EXAMPLE_SOURCE,
               "kỳ: 2024, 2024-H1, 2024-Q3 hoặc 2024-05"]
TARGET_COLUMNS = ["plan", "plan_title", "issued_on", "province", "indicator", "comparator", "value", "value_high",
                  "start", "deadline", "recurring", "source", "note"]
TARGET_EXAMPLE = ["123/KH-UBND", "Kế hoạch cải cách hành chính năm 2027", "2026-12-20", "Hà Tĩnh",
                  "satisfaction_procedures_pct", ">=", "90", "", "2027", "2027", "", EXAMPLE_SOURCE, ""]


def template_frame() -> pd.DataFrame:
    return pd.DataFrame([EXAMPLE_ROW], columns=TEMPLATE_COLUMNS)


def target_template_frame() -> pd.DataFrame:
    return pd.DataFrame([TARGET_EXAMPLE], columns=TARGET_COLUMNS)


def indicator_list(indicators: pd.DataFrame) -> pd.DataFrame:
    return indicators[["code", "name_vi", "name_en", "unit", "min_value", "max_value", "frequency"]]


def template_bytes(indicators: pd.DataFrame, kind: str = "csv", provinces: pd.DataFrame | None = None,
                   targets: bool = False) -> bytes:
    frame = target_template_frame() if targets else template_frame()
    if kind == "csv":
        return to_csv(frame, bom=True).encode("utf-8")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="targets" if targets else "data", index=False)
        indicator_list(indicators).to_excel(writer, sheet_name="indicators", index=False)
        if provinces is not None:
            provinces[["code", "name", "valid_from", "valid_to"]].to_excel(writer, sheet_name="provinces", index=False)
        for sheet in writer.sheets.values():
            for column in sheet.columns:
                sheet.column_dimensions[column[0].column_letter].width = 22
    return buffer.getvalue()
