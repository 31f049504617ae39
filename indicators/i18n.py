"""Labels in Vietnamese (the default) and English, and Vietnamese number and date formats."""

from __future__ import annotations

from datetime import date
from typing import Any

LANGUAGES = ("vi", "en")

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"vi": "Theo dõi mục tiêu cải cách hành chính", "en": "Administrative reform targets"},
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
    "page_overview": {"vi": "Tổng quan", "en": "Overview"},
    "page_profile": {"vi": "Hồ sơ tỉnh", "en": "Province profile"},
    "page_compare": {"vi": "So sánh", "en": "Compare"},
    "page_rankings": {"vi": "Xếp hạng", "en": "Rankings"},
    "page_plans": {"vi": "Kế hoạch & mục tiêu", "en": "Plans and targets"},
    "page_data": {"vi": "Dữ liệu", "en": "Data"},
    "scope": {"vi": "Phạm vi", "en": "Scope"},
    "whole_country": {"vi": "Cả nước", "en": "Whole country"},
    "province": {"vi": "Tỉnh, thành phố", "en": "Province"},
    "as_of": {"vi": "Đánh giá đến hết năm", "en": "Judged as of the end of"},
    "year": {"vi": "Năm", "en": "Year"},
    "indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "status": {"vi": "Trạng thái", "en": "Status"},
    "achieved": {"vi": "Đã đạt", "en": "Achieved"},
    "on_track": {"vi": "Đúng tiến độ", "en": "On track"},
    "at_risk": {"vi": "Có nguy cơ", "en": "At risk"},
    "off_track": {"vi": "Chậm tiến độ", "en": "Off track"},
    "missed": {"vi": "Không đạt", "en": "Missed"},
    "judged_on": {"vi": "số liệu của {name}", "en": "figure of {name}"},
    "judged_indicator": {"vi": "theo chỉ tiêu thay thế: {name}", "en": "on the replacing indicator: {name}"},
    "inherited_plans": {"vi": "Kế hoạch kế thừa từ các tỉnh đã hợp nhất", "en": "Plans inherited from the provinces merged into it"},
    "inherited_note": {"vi": "Các kỳ từ 01/07/2025 của những kế hoạch này được đánh giá trên số liệu của {name}; tỉnh mới tổng kết chúng.",
                       "en": "The periods of these plans from 01/07/2025 are judged on the figures of {name}; the new province closes them."},
    "not_due": {"vi": "Chưa đến hạn", "en": "Not due"},
    "no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "composites": {"vi": "Các chỉ số tổng hợp", "en": "Composite indices"},
    "rank_of": {"vi": "hạng {rank}", "en": "rank {rank}"},
    "no_figure": {"vi": "chưa có số liệu", "en": "no figure"},
    "urgent": {"vi": "Mục tiêu cần chú ý trước", "en": "Targets to look at first"},
    "download_csv": {"vi": "Tải bảng (CSV)", "en": "Download table (CSV)"},
    "col_status": {"vi": "Trạng thái", "en": "Status"},
    "col_actual": {"vi": "Số liệu mới nhất", "en": "Latest figure"},
    "col_period_judged": {"vi": "Kỳ số liệu", "en": "Period"},
    "col_plan": {"vi": "Kế hoạch", "en": "Plan"},
    "col_chart": {"vi": "Biểu đồ", "en": "Chart"},
    "col_gap": {"vi": "Còn thiếu so với mục tiêu", "en": "Gap to target"},
    "col_value": {"vi": "Giá trị", "en": "Value"},
    "col_rank": {"vi": "Hạng", "en": "Rank"},
    "col_quartile": {"vi": "Nhóm", "en": "Quartile"},
    "col_source": {"vi": "Nguồn", "en": "Source"},
    "col_task": {"vi": "Nhiệm vụ", "en": "Task"},
    "col_product": {"vi": "Sản phẩm", "en": "Product"},
    "col_lead": {"vi": "Cơ quan chủ trì", "en": "Lead body"},
    "col_partners": {"vi": "Cơ quan phối hợp", "en": "Partners"},
    "col_start": {"vi": "Bắt đầu", "en": "Start"},
    "open_chart": {"vi": "xem biểu đồ", "en": "open chart"},
    "merged_note": {"vi": "{name} được hợp nhất từ ngày 01/07/2025 từ: {olds}. Số liệu trước đó là của từng tỉnh cũ, vẽ thành từng đường riêng, không cộng gộp điểm hay thứ hạng.",
                    "en": "{name} was formed on 01/07/2025 from: {olds}. Earlier figures belong to each old province and are drawn as separate lines; scores and ranks are never added up."},
    "method_note": {"vi": "Lưu ý phương pháp: {note}", "en": "Method note: {note}"},
    "sources_caption": {"vi": "Nguồn số liệu: {sources}. Đường chấm: trung bình cả nước (công bố); đường gạch: tỉnh cao nhất trong các tỉnh có số liệu.",
                        "en": "Sources: {sources}. Dotted: national mean (published); dashed: the best province among those with a figure."},
    "spider_for": {"vi": "Tỉnh (cũ) để vẽ", "en": "Old province to draw"},
    "no_targets": {"vi": "Tỉnh này chưa có mục tiêu nào trong cơ sở dữ liệu.", "en": "No targets are stored for this province."},
    "no_series": {"vi": "Chưa có số liệu cho chỉ tiêu này.", "en": "No figures for this indicator."},
    "choose_provinces": {"vi": "Chọn 2–6 tỉnh", "en": "Choose 2–6 provinces"},
    "choose_indicators": {"vi": "Chỉ tiêu so sánh", "en": "Indicators to compare"},
    "rank_indicator": {"vi": "Thứ hạng theo", "en": "Rank by"},
    "peers": {"vi": "Gợi ý so sánh", "en": "Suggested peers"},
    "peers_region": {"vi": "Cùng vùng", "en": "Same region"},
    "peers_merged": {"vi": "Cùng hợp nhất vào tỉnh mới", "en": "Merged into the same new province"},
    "use_peers": {"vi": "So sánh với các tỉnh này", "en": "Compare with these"},
    "need_two": {"vi": "Chọn ít nhất 2 tỉnh để so sánh.", "en": "Choose at least 2 provinces to compare."},
    "tab_trend": {"vi": "Diễn biến chỉ tiêu", "en": "Indicator over the years"},
    "tab_papi": {"vi": "Chỉ số nội dung PAPI", "en": "PAPI dimensions"},
    "tab_targets": {"vi": "Mục tiêu và trạng thái", "en": "Targets and their status"},
    "tab_bars": {"vi": "Biểu đồ cột", "en": "Bars"},
    "tab_map": {"vi": "Bản đồ", "en": "Map"},
    "tab_table": {"vi": "Bảng", "en": "Table"},
    "tab_multiples": {"vi": "Từng chỉ tiêu", "en": "By indicator"},
    "tab_ranks": {"vi": "Thứ hạng qua các năm", "en": "Ranks over the years"},
    "tab_gaps": {"vi": "Khoảng cách tới mục tiêu", "en": "Gap to target"},
    "threshold_for": {"vi": "Đường mục tiêu theo kế hoạch của", "en": "Target line from the plan of"},
    "map_title": {"vi": "Bản đồ theo nhóm (xanh: nhóm cao nhất)", "en": "Map by quartile (green: best quartile)"},
    "map_era": {"vi": "Bản đồ {n} tỉnh, thành phố", "en": "Map of the {n} provinces"},
    "geo_source": {"vi": "Ranh giới: TaliaCao/Vietnam-Shape-Map (MIT), từ Open Development Vietnam, đã giản lược.",
                   "en": "Boundaries: TaliaCao/Vietnam-Shape-Map (MIT), from Open Development Vietnam, simplified."},
    "filter_family": {"vi": "Nhóm chỉ tiêu", "en": "Indicator family"},
    "filter_deadline": {"vi": "Thời hạn trong khoảng", "en": "Deadline between"},
    "all": {"vi": "Tất cả", "en": "All"},
    "choose": {"vi": "Chọn…", "en": "Choose…"},
    "tasks_of_plans": {"vi": "Nhiệm vụ", "en": "Tasks"},
    "no_match": {"vi": "Không có mục tiêu nào khớp bộ lọc.", "en": "No target matches the filters."},
    "col_provinces_with_data": {"vi": "Số tỉnh có số liệu", "en": "Provinces with a figure"},
    "col_best": {"vi": "Tỉnh cao nhất", "en": "Best province"},
    "col_mean": {"vi": "Trung bình cả nước (công bố)", "en": "National mean (published)"},
    "country_note": {"vi": "Năm: năm gần nhất có bảng số liệu đầy đủ của các tỉnh. PAR INDEX và SIPAS chỉ có các số liệu công bố lẻ (không có bảng đầy đủ).",
                     "en": "Year: the latest year with a full table of provinces. PAR INDEX and SIPAS have only the few figures published in press releases (no full table)."},
    "papi_break": {"vi": "Điểm tổng PAPI trước và từ 2018 không so sánh được (6 và 8 chỉ số nội dung).",
                   "en": "PAPI totals before and from 2018 are not comparable (6 and 8 dimensions)."},
    "chart_mean": {"vi": "Trung bình cả nước", "en": "National mean"},
    "chart_best": {"vi": "Cao nhất cả nước", "en": "National best"},
    "chart_target": {"vi": "Mục tiêu", "en": "Target"},
    "chart_trajectory": {"vi": "Lộ trình thẳng tới mục tiêu", "en": "Straight path to the target"},
    "chart_source": {"vi": "Nguồn", "en": "Source"},
    "chart_year": {"vi": "Năm", "en": "Year"},
    "chart_rank": {"vi": "Thứ hạng", "en": "Rank"},
    "chart_quartile": {"vi": "Nhóm {q}", "en": "Quartile {q}"},
    "chart_no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "chart_best_province": {"vi": "Tỉnh cao nhất", "en": "Best province"},
    "chart_method": {"vi": "đổi phương pháp từ {year}", "en": "method changed in {year}"},
}


def column(base: str, lang: str) -> str:
    """The name of the column that holds ``base`` in ``lang``: ``name_vi`` or ``name_en`` (Vietnamese unless
    English is asked for)."""
    return f"{base}_{'en' if lang == 'en' else 'vi'}"


def in_language(row: Any, base: str, lang: str) -> Any:
    """``row[base_vi]`` or ``row[base_en]``: the text of a row, a record or a frame's column in ``lang``."""
    return row[column(base, lang)]


def label(key: str, lang: str, **values: object) -> str:
    text = LABELS[key][lang if lang in LANGUAGES else "vi"]
    return text.format(**values) if values else text


def format_number(value: float | int | None, decimals: int = 0, lang: str = "vi", unit: str | None = None) -> str:
    """``1234.5`` → ``1.234,5`` in Vietnamese, ``1,234.5`` in English; ``85,5 %`` with unit percent;
    missing → ``—``."""
    if value is None or value != value:
        return "—"
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{text} %" if unit == "percent" else text


WHOLE_NUMBER_UNITS = ("rank", "tier", "count", "milestone")


def format_value(value: float | None, unit: str | None, lang: str = "vi") -> str:
    """A figure as a table shows it: whole numbers for ranks and counts, two decimals otherwise."""
    return format_number(value, 0 if unit in WHOLE_NUMBER_UNITS else 2, lang, unit)


def format_date(day: date | None, lang: str = "vi") -> str:
    """``29/07/2016`` in both languages (the form Vietnamese documents use)."""
    return "—" if day is None else day.strftime("%d/%m/%Y")


# The import page: upload, batches, templates, locks and users.
LABELS.update({
    "page_import": {"vi": "Nhập số liệu", "en": "Import"},
    "import_intro": {"vi": "Tải lên tệp CSV hoặc Excel: xem trước từng dòng sẽ thêm, thay đổi, giữ nguyên hoặc bị từ chối; "
                           "chỉ ghi khi bạn xác nhận, và ghi cả tệp hoặc không ghi gì.",
                     "en": "Upload a CSV or Excel file: see which rows would be added, changed, kept or rejected; nothing "
                           "is written until you confirm, and then the whole file or nothing."},
    "sign_in": {"vi": "Đăng nhập", "en": "Sign in"},
    "sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "user_name": {"vi": "Tên đăng nhập", "en": "User name"},
    "password": {"vi": "Mật khẩu", "en": "Password"},
    "signed_in_as": {"vi": "Đã đăng nhập: **{name}** ({role})", "en": "Signed in: **{name}** ({role})"},
    "sign_in_failed": {"vi": "Sai tên đăng nhập hoặc mật khẩu.", "en": "Wrong user name or password."},
    "sign_in_wait": {"vi": "Sai quá nhiều lần: thử lại sau {seconds} giây.", "en": "Too many failures: try again in {seconds} s."},
    "needs_analyst": {"vi": "Chỉ chuyên viên (analyst) hoặc quản trị đã đăng nhập mới nhập được số liệu.",
                      "en": "Only a signed-in analyst or admin can import figures."},
    "signed_out_other_browser": {"vi": "Phiên đăng nhập đã bị huỷ vì kết nối không đến từ trình duyệt đã đăng nhập: "
                                       "hãy đăng nhập lại.",
                                 "en": "You were signed out: this connection does not come from the browser that signed "
                                       "in. Sign in again."},
    "signed_out_disabled": {"vi": "Tài khoản này vừa bị khoá hoặc xoá: phiên đăng nhập đã kết thúc.",
                            "en": "This account was disabled or removed: you have been signed out."},
    "bad_url_value": {"vi": "Giá trị '{value}' của tham số '{name}' trong đường dẫn không hợp lệ: dùng giá trị mặc định.",
                      "en": "The link's value '{value}' for '{name}' is not valid: the default is shown instead."},
    "preview_again": {"vi": "Xem trước lại", "en": "Preview again"},
    "sign_in_audit": {"vi": "Nhật ký đăng nhập và thao tác quản trị", "en": "Sign-ins and admin commands"},
    "needs_sign_in_to_read": {"vi": "Bảng điều khiển này yêu cầu đăng nhập để xem.", "en": "This dashboard asks you to sign in to read it."},
    "tab_upload": {"vi": "Tải tệp lên", "en": "Upload"},
    "tab_batches": {"vi": "Các lần nhập", "en": "Batches"},
    "tab_templates": {"vi": "Tệp mẫu", "en": "Templates"},
    "tab_locks": {"vi": "Khoá kỳ", "en": "Locked periods"},
    "tab_users": {"vi": "Người dùng", "en": "Users"},
    "upload_file": {"vi": "Tệp số liệu (.csv hoặc .xlsx, tối đa 10 MB)", "en": "File (.csv or .xlsx, up to 10 MB)"},
    "batch_source": {"vi": "Nguồn chung cho các dòng không ghi nguồn", "en": "Source for rows that name none"},
    "batch_source_help": {"vi": "Ví dụ: Báo cáo số 123/BC-UBND ngày 15/12/2024", "en": "For example: Report 123/BC-UBND of 15/12/2024"},
    "wide_indicator": {"vi": "Chỉ tiêu (cho bảng dạng ngang không có cột chỉ tiêu)",
                       "en": "Indicator (for a wide sheet without an indicator column)"},
    "sheet": {"vi": "Trang tính", "en": "Sheet"},
    "count_insert": {"vi": "Thêm mới", "en": "To insert"},
    "count_change": {"vi": "Thay đổi", "en": "To change"},
    "count_unchanged": {"vi": "Giữ nguyên", "en": "Unchanged"},
    "count_rejected": {"vi": "Bị từ chối", "en": "Rejected"},
    "rejected_title": {"vi": "Tệp bị từ chối: không ghi gì. Sửa các dòng sau rồi tải lên lại ({shown} trên {total} lỗi).",
                       "en": "The file is refused: nothing will be written. Fix these rows and upload again ({shown} of {total} problems)."},
    "col_row": {"vi": "Dòng", "en": "Row"},
    "col_column": {"vi": "Cột", "en": "Column"},
    "col_value": {"vi": "Giá trị", "en": "Value"},
    "col_reason": {"vi": "Lý do", "en": "Reason"},
    "col_old": {"vi": "Cũ", "en": "Old"},
    "col_new": {"vi": "Mới", "en": "New"},
    "col_period_short": {"vi": "Kỳ", "en": "Period"},
    "col_source": {"vi": "Nguồn", "en": "Source"},
    "changes_title": {"vi": "Các số liệu sẽ thay đổi (cũ → mới)", "en": "Figures that would change (old → new)"},
    "inserts_title": {"vi": "Các số liệu sẽ thêm mới", "en": "Figures to insert"},
    "replace_confirm": {"vi": "Thay thế {n} số liệu đã có (lịch sử giữ lại giá trị cũ)",
                        "en": "Replace {n} stored figures (the history keeps the old values)"},
    "commit": {"vi": "Ghi vào cơ sở dữ liệu", "en": "Write to the database"},
    "nothing_to_write": {"vi": "Không có gì để ghi: mọi dòng đã có sẵn với cùng giá trị.",
                         "en": "Nothing to write: every row is already stored with the same value."},
    "committed": {"vi": "Đã ghi lần nhập số {batch}: thêm {inserted}, thay {replaced}, giữ nguyên {unchanged}.",
                  "en": "Batch {batch} written: {inserted} inserted, {replaced} replaced, {unchanged} unchanged."},
    "undo_batch": {"vi": "Hoàn tác lần nhập", "en": "Undo a batch"},
    "undo": {"vi": "Hoàn tác", "en": "Undo"},
    "undone": {"vi": "Đã hoàn tác lần nhập số {batch} ({n} dòng được khôi phục).", "en": "Batch {batch} undone ({n} rows restored)."},
    "no_batches": {"vi": "Chưa có lần nhập nào.", "en": "No batches yet."},
    "download_history": {"vi": "Tải lịch sử thay đổi (CSV)", "en": "Download the change history (CSV)"},
    "template_csv": {"vi": "Mẫu nhập số liệu (CSV)", "en": "Import template (CSV)"},
    "template_xlsx": {"vi": "Mẫu nhập số liệu (Excel, kèm danh mục mã)", "en": "Import template (Excel, with the code lists)"},
    "target_template": {"vi": "Mẫu nhập mục tiêu của kế hoạch (Excel)", "en": "Target sheet template (Excel)"},
    "indicator_codes": {"vi": "Danh mục mã chỉ tiêu (CSV)", "en": "Indicator codes (CSV)"},
    "templates_help": {"vi": "Mỗi dòng: tỉnh (mã hoặc tên), mã chỉ tiêu, kỳ (2024, 2024-H1, 2024-Q3, 2024-05), giá trị "
                             "(85,5 hoặc 85.5), nguồn. Dòng ví dụ của mẫu bị từ chối nếu còn để lại. Bảng dạng ngang "
                             "(tỉnh theo dòng, kỳ theo cột) và bảng mục tiêu (plan, comparator, deadline…) cũng được nhận.",
                       "en": "One row per figure: province (code or name), indicator code, period (2024, 2024-H1, 2024-Q3, "
                             "2024-05), value (85,5 or 85.5), source. The template's example row is refused if left in. "
                             "Wide sheets (provinces as rows, periods as columns) and target sheets (plan, comparator, "
                             "deadline…) are read too."},
    "lock": {"vi": "Khoá kỳ", "en": "Lock period"},
    "unlock": {"vi": "Mở khoá", "en": "Unlock"},
    "period_text": {"vi": "Kỳ (2024, 2024-H1, 2024-Q3, 2024-05)", "en": "Period (2024, 2024-H1, 2024-Q3, 2024-05)"},
    "note": {"vi": "Ghi chú", "en": "Note"},
    "locked": {"vi": "Đã khoá {period} của {province}.", "en": "Locked {period} of {province}."},
    "unlocked": {"vi": "Đã mở khoá.", "en": "Unlocked."},
    "no_locks": {"vi": "Chưa khoá kỳ nào.", "en": "No period is locked."},
    "add_user": {"vi": "Thêm người dùng", "en": "Add a user"},
    "role": {"vi": "Vai trò", "en": "Role"},
    "display_name": {"vi": "Họ tên", "en": "Full name"},
    "user_added": {"vi": "Đã thêm {name}.", "en": "Added {name}."},
    "change_user": {"vi": "Đổi vai trò hoặc khoá tài khoản", "en": "Change a role or disable an account"},
    "disabled": {"vi": "Khoá tài khoản", "en": "Disabled"},
    "save": {"vi": "Lưu", "en": "Save"},
    "saved": {"vi": "Đã lưu.", "en": "Saved."},
    "tab_backup": {"vi": "Sao lưu", "en": "Backup"},
    "backup_help": {"vi": "Bản sao toàn bộ cơ sở dữ liệu, làm khi máy chủ đang chạy. Khôi phục: dừng máy chủ rồi chạy "
                          "`python3 -m indicators restore TỆP` (tệp hiện tại được giữ lại).",
                    "en": "A copy of the whole database, made while the server runs. To restore, stop the server and run "
                          "`python3 -m indicators restore FILE` (the current file is kept)."},
    "make_backup": {"vi": "Sao lưu ngay", "en": "Back up now"},
    "backup_done": {"vi": "Đã sao lưu và kiểm tra: {path} ({actuals} số liệu).",
                    "en": "Backup written and checked: {path} ({actuals} actuals)."},
    "col_file": {"vi": "Tệp", "en": "File"},
})

# Units below the province, task progress (issue 14)
LABELS.update({
    "task_progress": {"vi": "Tiến độ nhiệm vụ", "en": "Task progress"},
    "progress_sentence": {"vi": "Tính đến {day}: {sentence}", "en": "As of {day}: {sentence}"},
    "tasks_done": {"vi": "Hoàn thành", "en": "Done"},
    "tasks_total": {"vi": "Tổng số (không tính nhiệm vụ không thực hiện)", "en": "Total (dropped ones left out)"},
    "tasks_overdue": {"vi": "Quá hạn", "en": "Overdue"},
    "tasks_in_progress": {"vi": "Đang thực hiện", "en": "In progress"},
    "as_of_day": {"vi": "Tính đến ngày", "en": "As of"},
    "overdue_only": {"vi": "Chỉ nhiệm vụ quá hạn", "en": "Overdue tasks only"},
    "col_occurrence": {"vi": "Lần (năm)", "en": "Occurrence (year)"},
    "col_due": {"vi": "Hạn", "en": "Due"},
    "col_task_status": {"vi": "Trạng thái", "en": "Status"},
    "col_completed_on": {"vi": "Ngày hoàn thành", "en": "Completed on"},
    "col_evidence": {"vi": "Văn bản minh chứng", "en": "Evidence"},
    "col_evidence_date": {"vi": "Ngày văn bản", "en": "Evidence date"},
    "col_overdue": {"vi": "Quá hạn", "en": "Overdue"},
    "col_unit": {"vi": "Đơn vị", "en": "Unit"},
    "col_share_done": {"vi": "Tỷ lệ hoàn thành", "en": "Share done"},
    "by_unit": {"vi": "Tiến độ theo cơ quan chủ trì", "en": "Progress by lead body"},
    "enter_progress": {"vi": "Cập nhật tiến độ một nhiệm vụ", "en": "Update the progress of a task"},
    "enter_progress_help": {"vi": "Ghi qua cùng bộ nhập liệu với tệp tải lên: có lịch sử, hoàn tác được ở trang Nhập "
                                  "liệu. Báo cáo viên chỉ cập nhật được nhiệm vụ do đơn vị mình chủ trì.",
                            "en": "Written through the same import engine as an uploaded file: with history, and undone "
                                  "on the Import page. A reporter can update only the tasks its own unit leads."},
    "choose_task": {"vi": "Nhiệm vụ", "en": "Task"},
    "progress_saved": {"vi": "Đã ghi tiến độ (lần nhập {batch}): {old} → {new}.",
                       "en": "Progress written (batch {batch}): {old} → {new}."},
    "progress_unchanged": {"vi": "Không có gì thay đổi.", "en": "Nothing changed."},
    "needs_reporter": {"vi": "Đăng nhập (báo cáo viên của đơn vị, chuyên viên hoặc quản trị) để cập nhật tiến độ.",
                       "en": "Sign in (as a unit's reporter, an analyst or an admin) to update progress."},
    "not_started": {"vi": "Chưa bắt đầu", "en": "Not started"},
    "in_progress": {"vi": "Đang thực hiện", "en": "In progress"},
    "done": {"vi": "Hoàn thành", "en": "Done"},
    "dropped": {"vi": "Không thực hiện", "en": "Dropped"},
    "yes": {"vi": "Có", "en": "Yes"},
    "no_tasks": {"vi": "Kế hoạch của tỉnh này không có nhiệm vụ nào.", "en": "This province's plans have no tasks."},
    "page_units": {"vi": "Đơn vị", "en": "Units"},
    "choose_unit": {"vi": "Đơn vị", "en": "Unit"},
    "unit_tasks": {"vi": "Nhiệm vụ đơn vị chủ trì", "en": "Tasks the unit leads"},
    "unit_targets": {"vi": "Mục tiêu đơn vị phụ trách", "en": "Targets the unit owns"},
    "unit_kind": {"vi": "Loại", "en": "Kind"},
    "unit_valid": {"vi": "Hiệu lực", "en": "Valid"},
    "unit_successors": {"vi": "Đơn vị kế thừa", "en": "Successors"},
    "unit_source": {"vi": "Căn cứ thay đổi", "en": "Source of the change"},
    "no_unit_tasks": {"vi": "Đơn vị này không chủ trì nhiệm vụ nào trong các kế hoạch.",
                      "en": "This unit leads no task of the plans."},
    "no_unit_targets": {"vi": "Đơn vị này không phụ trách mục tiêu nào.", "en": "This unit owns no target."},
    "kind_people_committee": {"vi": "UBND tỉnh", "en": "Provincial People's Committee"},
    "kind_department": {"vi": "Sở", "en": "Department"},
    "kind_agency": {"vi": "Cơ quan thuộc UBND", "en": "Agency"},
    "kind_party": {"vi": "Cơ quan Đảng", "en": "Party body"},
    "kind_press": {"vi": "Báo, đài", "en": "Press"},
    "kind_other": {"vi": "Tổ chức khác", "en": "Other body"},
    "kind_commune": {"vi": "Xã", "en": "Commune"},
    "kind_ward": {"vi": "Phường", "en": "Ward"},
    "kind_special_zone": {"vi": "Đặc khu", "en": "Special zone"},
    "kind_township": {"vi": "Thị trấn", "en": "Township"},
    "kind_district": {"vi": "Cấp huyện (trước 2025)", "en": "District (before 2025)"},
    "communes_of": {"vi": "Xã, phường, đặc khu", "en": "Communes, wards and special zones"},
    "departments_of": {"vi": "Sở, ban, ngành và cơ quan được giao nhiệm vụ", "en": "Departments and bodies with tasks"},
    "commune_map": {"vi": "Bản đồ xã, phường", "en": "Map of communes and wards"},
    "map_size": {"vi": "Kích thước điểm theo diện tích (km²)", "en": "Points sized by area (km²)"},
    "col_area": {"vi": "Diện tích (km²)", "en": "Area (km²)"},
    "col_code": {"vi": "Mã", "en": "Code"},
    "col_predecessors": {"vi": "Gồm các xã, phường cũ", "en": "Made of the old units"},
    "choose_a_province": {"vi": "Chọn một tỉnh: đơn vị và bảng xếp hạng thuộc về một tỉnh. Bản đồ xã, phường có cả "
                                "nước.", "en": "Choose a province: units and league tables belong to one. The commune "
                                               "map covers the whole country."},
    "tab_unit": {"vi": "Từng đơn vị", "en": "One unit"},
    "tab_departments": {"vi": "Sở, ban, ngành", "en": "Departments"},
    "tab_communes": {"vi": "Xã, phường", "en": "Communes"},
    "stage_appraised": {"vi": "Điểm thẩm định", "en": "Appraised"},
    "stage_self": {"vi": "Điểm tự đánh giá", "en": "Self-assessed"},
    "col_points": {"vi": "Điểm", "en": "Points"},
    "col_rank": {"vi": "Xếp hạng", "en": "Rank"},
    "col_max_points": {"vi": "Điểm tối đa", "en": "Maximum"},
    "col_difference": {"vi": "Chênh lệch (thẩm định − tự đánh giá)", "en": "Difference (appraised − self)"},
    "col_percent": {"vi": "Tỷ lệ điểm (%)", "en": "Share of the maximum (%)"},
    "unit_index": {"vi": "Chỉ số CCHC của tỉnh chấm cho đơn vị", "en": "The province's own CCHC index of the unit"},
    "league_departments": {"vi": "Xếp hạng các sở, ban, ngành", "en": "League table of the departments"},
    "league_communes": {"vi": "Xếp hạng các xã, phường", "en": "League table of the communes"},
    "no_index": {"vi": "Chưa có điểm chỉ số CCHC nào của tỉnh được nhập cho các đơn vị này (nhập ở trang Nhập liệu).",
                 "en": "No score of the province's own CCHC index has been entered for these units (see the Import page)."},
    "rank_in_province": {"vi": "Hạng {rank} trong tỉnh ({year})", "en": "Rank {rank} in the province ({year})"},
    "no_communes": {"vi": "Tỉnh này (theo danh sách này) không có xã, phường trong dữ liệu.",
                    "en": "This province record has no communes in the data."},
    "map_colour": {"vi": "Màu theo", "en": "Colour by"},
    "colour_kind": {"vi": "Loại đơn vị", "en": "Kind of unit"},
    "reporter_unit": {"vi": "Đơn vị (chỉ cho báo cáo viên)", "en": "Unit (reporters only)"},
    "reporter_scope": {"vi": "Báo cáo viên của đơn vị {unit}: chỉ nhập được số liệu, tiến độ và điểm tự đánh giá của đơn "
                             "vị mình.",
                       "en": "Reporter of the unit {unit}: you can enter only your own unit's figures, task progress and "
                             "self-assessment."},
    "page_reports": {"vi": "Báo cáo", "en": "Reports"},
    "report_period": {"vi": "Kỳ báo cáo", "en": "Reporting period"},
    "report_language": {"vi": "Ngôn ngữ của báo cáo", "en": "Language of the report"},
    "report_bad_period": {"vi": "Không lập được báo cáo cho kỳ «{period}»: {reason}.",
                          "en": "No report can be made for the period '{period}': {reason}."},
    "report_about": {"vi": "{province} · {period} · tiến độ nhiệm vụ tính đến ngày {day}. Nội dung dưới đây là "
                           "nội dung của tệp Word; tệp được lập khi bấm nút, từ cơ sở dữ liệu lúc đó.",
                     "en": "{province} · {period} · task progress as of {day}. Below is what the Word file holds; "
                           "the file is made when the button is clicked, from the database as it is then."},
    "report_docx": {"vi": "Tải báo cáo (.docx)", "en": "Download the report (.docx)"},
    "report_pdf": {"vi": "Tải bản tóm tắt 1 trang (.pdf)", "en": "Download the one-page brief (.pdf)"},
    "report_no_browser": {"vi": "Không tìm thấy Chromium trên máy chủ: báo cáo có đủ các bảng nhưng không có biểu đồ.",
                          "en": "No Chromium on the server: the report has every table but no charts."},
    "report_no_font": {"vi": "Không lập được bản tóm tắt PDF: {reason}.", "en": "The PDF brief cannot be made: {reason}."},
})
