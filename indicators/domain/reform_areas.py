"""The reform areas a periodic CCHC report is written by: the direction of the reform, then the six areas of the
master programme of Resolution 76/NQ-CP (2021–2030), in that order.

Each task, target and indicator carries one of these codes, taken from the plan's own section headings (a
reviewed mapping in ``data/``), or none when the heading names no single area: it is then "not classified", never
guessed. The names are the ones reform reports use.
"""

from __future__ import annotations

# (code, Vietnamese name, English name), in the order a report's sections follow
AREAS: tuple[tuple[str, str, str], ...] = (
    ("direction", "Công tác chỉ đạo, điều hành", "Direction and operation"),
    ("institutions", "Cải cách thể chế", "Institutional reform"),
    ("procedures", "Cải cách thủ tục hành chính", "Administrative procedure reform"),
    ("organisation", "Cải cách tổ chức bộ máy hành chính nhà nước", "Reform of the state administrative apparatus"),
    ("civil_service", "Cải cách chế độ công vụ, công chức", "Civil service reform"),
    ("public_finance", "Cải cách tài chính công", "Public finance reform"),
    ("digital_government", "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số",
     "E-government and digital government"),
)
CODES: tuple[str, ...] = tuple(code for code, _, _ in AREAS)
# the six areas of Resolution 76/NQ-CP (direction is the report's own first section, not an area of the programme)
SIX: tuple[str, ...] = CODES[1:]
NOT_CLASSIFIED = {"vi": "Chưa xếp lĩnh vực", "en": "Not classified"}

_NAMES = {code: {"vi": vi, "en": en} for code, vi, en in AREAS}


def area_name(code: str | None, lang: str = "vi") -> str:
    """The area's name in ``lang``; "not classified" for None, an empty value or a code that is not an area."""
    names = _NAMES.get(code or "")
    return (names or NOT_CLASSIFIED)[lang if lang in ("vi", "en") else "vi"]


def area_order(code: str | None) -> int:
    """Where an area's section stands in a report (the unclassified last)."""
    return CODES.index(code) if code in CODES else len(CODES)
