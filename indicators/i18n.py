"""Labels in Vietnamese (the default) and English, and Vietnamese number and date formats."""

from __future__ import annotations

from datetime import date

LANGUAGES = ("vi", "en")

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"vi": "Theo dõi mục tiêu cải cách hành chính", "en": "Administrative reform targets"},
    "home": {"vi": "Dữ liệu hiện có", "en": "What the database holds"},
    "language": {"vi": "Ngôn ngữ", "en": "Language"},
    "intro": {"vi": "Các mục tiêu trong kế hoạch cải cách hành chính của các tỉnh, đối chiếu với kết quả thực hiện.",
              "en": "The targets of the provinces' administrative-reform plans, side by side with what was achieved."},
    "provinces": {"vi": "Tỉnh, thành phố", "en": "Provinces"},
    "provinces_help": {"vi": "{old} đến 30/06/2025 · {new} từ 01/07/2025",
                       "en": "{old} until 30/06/2025 · {new} from 01/07/2025"},
    "indicators": {"vi": "Chỉ tiêu", "en": "Indicators"},
    "plans": {"vi": "Kế hoạch", "en": "Plans"},
    "targets": {"vi": "Mục tiêu", "en": "Targets"},
    "tasks": {"vi": "Nhiệm vụ", "en": "Tasks"},
    "actuals": {"vi": "Số liệu thực hiện", "en": "Actuals"},
    "no_actuals": {"vi": "Chưa có số liệu thực hiện nào trong cơ sở dữ liệu: mọi mục tiêu hiện ở trạng thái «không có số liệu».",
                   "en": "The database holds no actuals yet: every target is shown as 'no data'."},
    "plans_table": {"vi": "Các kế hoạch và số mục tiêu", "en": "Plans and their targets"},
    "targets_table": {"vi": "Mục tiêu của kế hoạch", "en": "Targets of the plan"},
    "indicator_families": {"vi": "Danh mục chỉ tiêu theo nhóm", "en": "Indicator catalogue by family"},
    "col_number": {"vi": "Số hiệu", "en": "Number"},
    "col_province": {"vi": "Tỉnh", "en": "Province"},
    "col_issued": {"vi": "Ngày ban hành", "en": "Issued"},
    "col_period": {"vi": "Giai đoạn", "en": "Period"},
    "col_title": {"vi": "Tên văn bản", "en": "Title"},
    "col_indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "col_requirement": {"vi": "Yêu cầu", "en": "Requirement"},
    "col_deadline": {"vi": "Thời hạn", "en": "Deadline"},
    "col_recurring": {"vi": "Hằng năm", "en": "Every year"},
    "col_quote": {"vi": "Trích dẫn nguyên văn", "en": "Verbatim source sentence"},
    "col_family": {"vi": "Nhóm", "en": "Family"},
    "col_count": {"vi": "Số chỉ tiêu", "en": "Indicators"},
    "choose_plan": {"vi": "Chọn kế hoạch", "en": "Choose a plan"},
    "source_caption": {"vi": "Nguồn: văn bản kế hoạch của tỉnh ({file}); câu trích giữ nguyên văn.",
                       "en": "Source: the province's plan ({file}); quotes are verbatim."},
}


def label(key: str, lang: str, **values: object) -> str:
    text = LABELS[key][lang if lang in LANGUAGES else "vi"]
    return text.format(**values) if values else text


def format_number(value: float | int | None, decimals: int = 0, lang: str = "vi") -> str:
    """``1234.5`` → ``1.234,5`` in Vietnamese, ``1,234.5`` in English; missing → ``—``."""
    if value is None or value != value:
        return "—"
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_date(day: date | None, lang: str = "vi") -> str:
    """``29/07/2016`` in both languages (the form Vietnamese documents use)."""
    return "—" if day is None else day.strftime("%d/%m/%Y")
