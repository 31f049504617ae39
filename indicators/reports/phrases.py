"""The words of the periodic report and of the brief, Vietnamese first, and the formats of their cells."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from indicators.i18n import format_number, label

WORDS: dict[str, dict[str, str]] = {
    "committee": {"vi": "ỦY BAN NHÂN DÂN", "en": "PEOPLE'S COMMITTEE"},
    "province_line": {"vi": "{kind} {name}", "en": "OF {name} {kind}"},
    "nation": {"vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "en": "SOCIALIST REPUBLIC OF VIETNAM"},
    "motto": {"vi": "Độc lập - Tự do - Hạnh phúc", "en": "Independence - Freedom - Happiness"},
    "number": {"vi": "Số:          /BC-UBND", "en": "No.:          /BC-UBND"},
    "place_date": {"vi": "{place}, ngày      tháng      năm {year}", "en": "{place},          {year}"},
    "kind": {"vi": "BÁO CÁO", "en": "REPORT"},
    "summary": {"vi": "Kết quả thực hiện công tác cải cách hành chính {period}",
                "en": "Results of administrative reform, {period}"},
    "brief_title": {"vi": "Tóm tắt cải cách hành chính · {province} · {period}",
                    "en": "Administrative reform brief · {province} · {period}"},
    "window": {"vi": "Số liệu nhiệm vụ tính đến ngày {end} (thời gian chốt số liệu {start} – {end} theo {source}).",
               "en": "Task progress as of {end} (the Ministry's data window {start} – {end}, {source})."},
    "no_window": {"vi": "Bộ Nội vụ không quy định thời gian chốt số liệu riêng cho kỳ này; số liệu nhiệm vụ tính "
                        "đến ngày {end}.",
                  "en": "The Ministry sets no data window of its own for this period; task progress as of {end}."},
    "provenance": {"vi": "Báo cáo do hệ thống theo dõi CCHC tạo lúc {at} từ cơ sở dữ liệu {db}, phiên bản dữ liệu "
                         "{version}, lô nhập gần nhất {batch}.",
                   "en": "Made by the CCHC dashboard at {at} from database {db}, data version {version}, latest "
                         "import batch {batch}."},
    "batch": {"vi": "số {id} ({at})", "en": "no. {id} ({at})"},
    "no_batch": {"vi": "không có", "en": "none"},
    "edit_note": {"vi": "Bản dự thảo do hệ thống lập: số liệu lấy từ cơ sở dữ liệu, phần nhận định do cơ quan soạn "
                        "thảo bổ sung.",
                  "en": "A draft made by the dashboard: the figures are the database's; the assessment is for the "
                        "drafting office to write."},
    "s1": {"vi": "I. KẾT QUẢ THỰC HIỆN MỤC TIÊU, NHIỆM VỤ", "en": "I. RESULTS: TARGETS AND TASKS"},
    "s1_targets": {"vi": "1. Mục tiêu của các kế hoạch", "en": "1. The plans' targets"},
    "s1_tasks": {"vi": "2. Tiến độ thực hiện nhiệm vụ", "en": "2. Task progress"},
    "s1_by_unit": {"vi": "Tiến độ theo cơ quan chủ trì", "en": "Progress by lead body"},
    "s1_overdue": {"vi": "3. Nhiệm vụ quá hạn theo cơ quan chủ trì", "en": "3. Overdue tasks by lead body"},
    "s2": {"vi": "II. CÁC CHỈ SỐ ĐÁNH GIÁ", "en": "II. THE INDICES"},
    "s2_units": {"vi": "Chỉ số CCHC của các cơ quan, đơn vị trong tỉnh năm {year}",
                 "en": "The province's own CCHC index of its units, {year}"},
    "s2_units_none": {"vi": "Chưa có kết quả Chỉ số CCHC của các cơ quan, đơn vị trong tỉnh.",
                      "en": "No results of the province's own index of its units yet."},
    "s2_league_line": {"vi": "{scope}: {n} đơn vị được thẩm định; cao nhất {best} ({best_points} điểm), thấp nhất "
                             "{worst} ({worst_points} điểm).",
                       "en": "{scope}: {n} units appraised; highest {best} ({best_points} points), lowest {worst} "
                             "({worst_points} points)."},
    "scope_department": {"vi": "Sở, ban, ngành", "en": "Departments"},
    "scope_commune": {"vi": "Xã, phường, đặc khu", "en": "Communes and wards"},
    "s3": {"vi": "III. TỒN TẠI, HẠN CHẾ", "en": "III. SHORTCOMINGS"},
    "s4": {"vi": "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI", "en": "IV. DIRECTIONS FOR THE NEXT PERIOD"},
    "s4_1": {"vi": "1. Nhiệm vụ trọng tâm", "en": "1. Priority tasks"},
    "s4_2": {"vi": "2. Giải pháp thực hiện", "en": "2. Measures"},
    "s4_3": {"vi": "3. Kiến nghị, đề xuất", "en": "3. Proposals"},
    "to_write": {"vi": "[Cơ quan soạn thảo viết nội dung này.]", "en": "[For the drafting office to write.]"},
    "recipients": {"vi": "Nơi nhận:", "en": "Recipients:"},
    "recipient_moha": {"vi": "- Bộ Nội vụ;", "en": "- Ministry of Home Affairs;"},
    "recipient_more": {"vi": "- ……;", "en": "- ……;"},
    "recipient_file": {"vi": "- Lưu: VT, ….", "en": "- Filed: VT, …."},
    "signer": {"vi": "TM. ỦY BAN NHÂN DÂN", "en": "ON BEHALF OF THE PEOPLE'S COMMITTEE"},
    "signer_title": {"vi": "CHỦ TỊCH", "en": "CHAIRPERSON"},
    "signature": {"vi": "(Ký, ghi rõ họ tên, đóng dấu)", "en": "(Signature, full name, seal)"},
    "appendix": {"vi": "PHỤ LỤC {n}", "en": "APPENDIX {n}"},
    "appendix_targets": {"vi": "Các mục tiêu và nội dung kế hoạch", "en": "The targets and the plans' sentences"},
    "appendix_tasks": {"vi": "Các nhiệm vụ và tiến độ", "en": "The tasks and their progress"},
    "appendix_league": {"vi": "Bảng xếp hạng Chỉ số CCHC của các cơ quan, đơn vị năm {year}",
                        "en": "League tables of the province's own index, {year}"},
    "chart_missing": {"vi": "[Biểu đồ chưa vẽ được: {reason}]", "en": "[Chart not drawn: {reason}]"},
    "report_chart_status": {"vi": "Tình trạng các mục tiêu", "en": "The targets' statuses"},
    "report_chart_papi": {"vi": "PAPI theo lĩnh vực", "en": "PAPI by dimension"},
    "missing": {"vi": "chưa có số liệu", "en": "no figure"},
    "col_id": {"vi": "Mã", "en": "ID"},
    "col_target": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "col_baseline": {"vi": "Giá trị gốc", "en": "Baseline"},
    "col_requirement": {"vi": "Mục tiêu", "en": "Target"},
    "col_deadline": {"vi": "Thời hạn", "en": "Deadline"},
    "col_latest": {"vi": "Kết quả mới nhất", "en": "Latest figure"},
    "col_status": {"vi": "Tình trạng", "en": "Status"},
    "col_quote": {"vi": "Nội dung kế hoạch", "en": "The plan's sentence"},
    "col_plan": {"vi": "Kế hoạch", "en": "Plan"},
    "col_unit": {"vi": "Cơ quan chủ trì", "en": "Lead body"},
    "col_total": {"vi": "Số nhiệm vụ", "en": "Tasks"},
    "col_done": {"vi": "Hoàn thành", "en": "Done"},
    "col_share": {"vi": "Tỷ lệ", "en": "Share"},
    "col_overdue": {"vi": "Quá hạn", "en": "Late"},
    "col_not_reported": {"vi": "Chưa có báo cáo", "en": "Not reported"},
    "col_completeness": {"vi": "Mức đầy đủ báo cáo", "en": "Reports received"},
    "col_ref": {"vi": "Mục", "en": "Item"},
    "col_task": {"vi": "Nhiệm vụ", "en": "Task"},
    "col_due": {"vi": "Hạn", "en": "Due"},
    "col_completed": {"vi": "Ngày hoàn thành", "en": "Done on"},
    "col_evidence": {"vi": "Văn bản", "en": "Evidence"},
    "col_index": {"vi": "Chỉ số", "en": "Index"},
    "col_year": {"vi": "Năm", "en": "Year"},
    "col_value": {"vi": "Điểm", "en": "Score"},
    "col_rank": {"vi": "Thứ hạng", "en": "Rank"},
    "col_change": {"vi": "Thay đổi", "en": "Change"},
    "col_mean": {"vi": "Trung bình cả nước", "en": "National mean"},
    "col_best": {"vi": "Cao nhất", "en": "Best"},
    "col_source": {"vi": "Nguồn", "en": "Source"},
    "col_self": {"vi": "Tự đánh giá", "en": "Self-assessed"},
    "col_appraised": {"vi": "Thẩm định", "en": "Appraised"},
    "col_name": {"vi": "Cơ quan, đơn vị", "en": "Unit"},
    "brief_status": {"vi": "Mục tiêu", "en": "Targets"},
    "brief_indices": {"vi": "Các chỉ số", "en": "Indices"},
    "brief_urgent": {"vi": "Mục tiêu cần quan tâm", "en": "Targets needing attention"},
    "brief_overdue": {"vi": "Nhiệm vụ quá hạn ({n})", "en": "Overdue tasks ({n})"},
    "brief_more": {"vi": "… và {n} mục khác (xem báo cáo đầy đủ)", "en": "… and {n} more (see the full report)"},
}


def w(key: str, lang: str, **values: Any) -> str:
    text = WORDS[key]["en" if lang == "en" else "vi"]
    return text.format(**values) if values else text


def status_word(status: str, lang: str) -> str:
    return label(status, lang)


def number(value: Any, decimals: int, lang: str, unit: str | None = None) -> str:
    """A figure as the report prints it; a missing one is written out ("chưa có số liệu"), never a dash."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return w("missing", lang)
    return format_number(float(value), decimals, lang, unit)


def day(value: Any, lang: str = "vi") -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    value = pd.Timestamp(value)
    return value.strftime("%d/%m/%Y")


def stamp(value: datetime) -> str:
    return value.strftime("%H:%M %d/%m/%Y")


def period_days(start: date, end: date) -> tuple[str, str]:
    return start.strftime("%d/%m/%Y"), end.strftime("%d/%m/%Y")
