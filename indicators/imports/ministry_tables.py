"""The tables PAR INDEX, SIPAS, PCI and DTI are published as, one row per province: which column holds which
indicator, under the Vietnamese header of the publication (the first name of each column, written by
``template``) and the other names it is known by (English ones included). :mod:`.ministry` reads them; this
module also writes their templates.

PAR INDEX's eight areas are those of Decision 2948/QĐ-BNV (2017); SIPAS's five factors those of Decision
2640/QĐ-BNV (10/10/2017); PCI's ten sub-indices are VCCI's (2017–2020 names, the 2021 renamings as aliases); DTI
is held as its overall score and rank only (see data/indicators.yaml)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from indicators.services.exporting import to_csv

from .table import header_key


@dataclass(frozen=True)
class Column:
    code: str                  # the indicator the column holds
    header: str                # as the publication writes it (Vietnamese)
    aliases: tuple[str, ...]   # other names, Vietnamese or English (folded by table.header_key when matched)

    @property
    def keys(self) -> set[str]:
        return {header_key(n) for n in (self.header, self.code) + self.aliases}


@dataclass(frozen=True)
class MinistryTable:
    name: str                  # "par_index", "sipas", "pci", "dti": the preview's layout
    title: str                 # the index as published
    columns: tuple[Column, ...]
    total: str                 # the column the rank orders (its ties share a rank)
    rank: str | None

    def column_of(self, key: str) -> Column | None:
        return next((c for c in self.columns if key in c.keys), None)

    @property
    def headline_keys(self) -> set[str]:
        return next(c for c in self.columns if c.code == self.total).keys


# Columns every table may have beside its indicators (folded header cells).
PROVINCE_KEYS = {header_key(n) for n in ("Tỉnh, thành phố", "Tỉnh/Thành phố", "Tỉnh", "Tỉnh thành", "Địa phương",
                                         "Province", "Province code", "Mã tỉnh")}
ORDER_KEYS = {header_key(n) for n in ("STT", "TT", "No.", "No")}         # the row number: not read
YEAR_KEYS = {header_key(n) for n in ("Năm", "Year")}
SOURCE_KEYS = {header_key(n) for n in ("Nguồn", "Nguồn số liệu", "Source")}
NOTE_KEYS = {header_key(n) for n in ("Ghi chú", "Note")}
PROVINCE_HEADER = "Tỉnh, thành phố"
RANK = ("Xếp hạng", "Thứ hạng", "Rank", "Hạng")

PAR_INDEX = MinistryTable("par_index", "PAR INDEX", (
    Column("par_a1_direction", "Công tác chỉ đạo, điều hành CCHC",
           ("Công tác chỉ đạo, điều hành cải cách hành chính", "Direction and management of reform", "Direction")),
    Column("par_a2_legal_documents", "Xây dựng và tổ chức thực hiện văn bản QPPL",
           ("Xây dựng và tổ chức thực hiện văn bản QPPL tại tỉnh", "Cải cách thể chế", "Legal documents")),
    Column("par_a3_procedures", "Cải cách thủ tục hành chính", ("Cải cách TTHC", "Administrative procedures")),
    Column("par_a4_apparatus", "Cải cách tổ chức bộ máy hành chính",
           ("Cải cách tổ chức bộ máy", "Organisational apparatus")),
    Column("par_a5_civil_servants", "Xây dựng và nâng cao chất lượng đội ngũ CBCCVC",
           ("Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức", "Cải cách chế độ công vụ",
            "Civil servants")),
    Column("par_a6_public_finance", "Đổi mới cơ chế quản lý tài chính công",
           ("Cải cách tài chính công", "Public finance")),
    Column("par_a7_modernisation", "Hiện đại hóa hành chính",
           ("Hiện đại hoá hành chính", "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số", "Modernisation")),
    Column("par_a8_impact", "Tác động của CCHC đến người dân, tổ chức và phát triển KT-XH",
           ("Tác động của cải cách hành chính đến người dân, tổ chức và các chỉ tiêu phát triển kinh tế - xã hội",
            "Tác động của CCHC", "Impact on people and the economy", "Impact")),
    Column("par_index", "Chỉ số CCHC", ("Chỉ số cải cách hành chính", "PAR INDEX", "Tổng điểm", "PAR INDEX total")),
    Column("par_index_rank", RANK[0], RANK[1:]),
), total="par_index", rank="par_index_rank")

SIPAS = MinistryTable("sipas", "SIPAS", (
    Column("sipas_f1_access", "Tiếp cận dịch vụ hành chính công của cơ quan hành chính nhà nước",
           ("Tiếp cận dịch vụ", "Access to services", "Access to public administrative services")),
    Column("sipas_f2_procedures", "Thủ tục hành chính", ("TTHC", "Administrative procedures")),
    Column("sipas_f3_civil_servants", "Công chức giải quyết công việc",
           ("Công chức trực tiếp giải quyết công việc", "Civil servants")),
    Column("sipas_f4_results", "Kết quả cung ứng dịch vụ hành chính công",
           ("Kết quả cung ứng dịch vụ", "Kết quả giải quyết công việc", "Results of the service", "Results")),
    Column("sipas_f5_feedback", "Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị",
           ("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", "Feedback", "Handling of feedback")),
    Column("sipas", "Chỉ số SIPAS", ("SIPAS", "Chỉ số hài lòng", "Chỉ số hài lòng chung", "SIPAS overall")),
    Column("sipas_rank", RANK[0], RANK[1:]),
), total="sipas", rank="sipas_rank")

PCI = MinistryTable("pci", "PCI", (
    Column("pci_entry_costs", "Gia nhập thị trường", ("Chi phí gia nhập thị trường", "Entry costs")),
    Column("pci_land_access", "Tiếp cận đất đai", ("Land access",)),
    Column("pci_transparency", "Tính minh bạch", ("Transparency",)),
    Column("pci_time_costs", "Chi phí thời gian", ("Time costs",)),
    Column("pci_informal_charges", "Chi phí không chính thức", ("Informal charges",)),
    Column("pci_policy_bias", "Cạnh tranh bình đẳng", ("Equal competition", "Policy bias")),
    Column("pci_proactivity", "Tính năng động của chính quyền tỉnh", ("Tính năng động", "Proactivity")),
    Column("pci_business_support", "Dịch vụ hỗ trợ doanh nghiệp",
           ("Chính sách hỗ trợ doanh nghiệp", "Hỗ trợ doanh nghiệp", "Business support services",
            "Business support policy", "Business support")),
    Column("pci_labour_training", "Đào tạo lao động", ("Labour training", "Labor training")),
    Column("pci_legal_institutions", "Thiết chế pháp lý",
           ("Thiết chế pháp lý & An ninh trật tự", "Thiết chế pháp lý và an ninh trật tự", "Legal institutions")),
    Column("pci_total", "Điểm PCI", ("PCI", "Chỉ số PCI", "Điểm tổng PCI", "PCI total")),
    Column("pci_rank", RANK[0], RANK[1:]),
), total="pci_total", rank="pci_rank")

DTI = MinistryTable("dti", "DTI", (
    Column("dti", "Chỉ số DTI", ("DTI", "Điểm DTI", "Chỉ số chuyển đổi số", "DTI score")),
    Column("dti_rank", RANK[0], RANK[1:]),
), total="dti", rank="dti_rank")

TABLES: tuple[MinistryTable, ...] = (PAR_INDEX, SIPAS, PCI, DTI)
BY_NAME = {t.name: t for t in TABLES}


def table_of(keys: list[str]) -> MinistryTable | None:
    """The Ministry's table whose header this is: a province column and the table's headline column (its total),
    and no column of another kind of file (a period, an indicator code)."""
    present = set(keys)
    if not present & PROVINCE_KEYS:
        return None
    return next((t for t in TABLES if present & t.headline_keys), None)


def template_frame(table: MinistryTable) -> pd.DataFrame:
    """The header of ``table`` as published: the row number, the province, its indicators."""
    return pd.DataFrame(columns=["STT", PROVINCE_HEADER] + [c.header for c in table.columns])


def template_bytes(table: MinistryTable, kind: str = "csv", provinces: pd.DataFrame | None = None) -> bytes:
    """The empty table to fill, as CSV or .xlsx (the workbook also lists the provinces, by code and name)."""
    frame = template_frame(table)
    if kind == "csv":
        return to_csv(frame, bom=True).encode("utf-8")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=table.name, index=False)
        if provinces is not None:
            provinces[["code", "name", "valid_from", "valid_to"]].to_excel(writer, sheet_name="provinces", index=False)
        for sheet in writer.sheets.values():
            for column in sheet.columns:
                sheet.column_dimensions[column[0].column_letter].width = 18
    return buffer.getvalue()
