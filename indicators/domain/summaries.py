"""The summary sentences a leader reads (Overview, report, brief, ``status``): each leads with what is not known.

A count of targets "not missed" or of tasks "not late" is good news only when the figures and the reports are
there to say so. So every sentence here first says how much is missing ("11/11 mục tiêu chưa có số liệu — chưa
đánh giá được") and only then what the rest shows; where nothing can be judged it says that, never "nothing is
at risk". Pure functions of counts (targets by status, :class:`~indicators.tasks.Summary`) in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping

from indicators.domain.status import STATUS_ORDER
from indicators.domain.tasks import Summary, percent_text
from indicators.i18n import label

ATTENTION = ("missed", "off_track", "at_risk")


def _vi(lang: str) -> bool:
    return lang != "en"


def _parts(counts: Mapping[str, int], lang: str, skip: tuple[str, ...] = ()) -> str:
    """``1 không đạt, 2 đã đạt``: the non-zero counts in the statuses' order, named as the interface names them."""
    return ", ".join(f"{counts[s]} {label(s, lang).lower()}" for s in STATUS_ORDER
                     if s not in skip and counts.get(s, 0))


def targets_sentence(counts: Mapping[str, int], lang: str) -> str:
    """How the targets stand: coverage first when figures are missing."""
    total = sum(counts.get(s, 0) for s in STATUS_ORDER)
    missing = counts.get("no_data", 0)
    vi = _vi(lang)
    if not total:
        return "Chưa có mục tiêu nào." if vi else "No targets."
    if missing == total:
        return (f"{missing}/{total} mục tiêu chưa có số liệu — chưa đánh giá được." if vi else
                f"{missing} of {total} targets have no figure — none can be assessed yet.")
    rest = _parts(counts, lang, skip=("no_data",))
    if missing:
        return (f"{missing}/{total} mục tiêu chưa có số liệu — chưa đánh giá được; {total - missing} mục tiêu có số "
                f"liệu: {rest}." if vi else
                f"{missing} of {total} targets have no figure — not assessed; of the {total - missing} with "
                f"figures: {rest}.")
    return f"{total} mục tiêu: {rest}." if vi else f"{total} targets: {rest}."


def attention_sentence(counts: Mapping[str, int], lang: str) -> str:
    """Whether any target needs attention; never "none" when the figures to tell are missing."""
    total = sum(counts.get(s, 0) for s in STATUS_ORDER)
    missing = counts.get("no_data", 0)
    flagged = sum(counts.get(s, 0) for s in ATTENTION)
    vi = _vi(lang)
    if not total:
        return "Chưa có mục tiêu nào." if vi else "No targets."
    if flagged:
        head = (f"{flagged} mục tiêu cần quan tâm ({_parts({s: counts.get(s, 0) for s in ATTENTION}, lang)})" if vi
                else f"{flagged} targets need attention ({_parts({s: counts.get(s, 0) for s in ATTENTION}, lang)})")
        if missing:
            return head + (f"; {missing}/{total} mục tiêu chưa có số liệu nên chưa đánh giá được." if vi else
                           f"; {missing} of {total} targets have no figure and cannot be assessed.")
        return head + "."
    if missing == total:
        return (f"{missing}/{total} mục tiêu chưa có số liệu — chưa đánh giá được mục tiêu nào đạt hay không đạt."
                if vi else f"{missing} of {total} targets have no figure — none can be said to be met or missed.")
    if missing:
        return (f"{missing}/{total} mục tiêu chưa có số liệu nên chưa đánh giá được; trong {total - missing} mục "
                f"tiêu có số liệu, không có mục tiêu không đạt, chậm hay có nguy cơ." if vi else
                f"{missing} of {total} targets have no figure and cannot be assessed; of the {total - missing} with "
                f"figures, none is missed, off track or at risk.")
    return ("Không có mục tiêu không đạt, chậm hay có nguy cơ." if vi else
            "No target missed, off track or at risk.")


def late_tasks_sentence(tasks: Summary, lang: str) -> str:
    """What stands where a list of late tasks would: "none late" only when the reports are in."""
    vi = _vi(lang)
    if tasks.overdue:
        return (f"{tasks.overdue} nhiệm vụ quá hạn (đã báo cáo, chưa hoàn thành)." if vi else
                f"{tasks.overdue} tasks late (reported, not done).")
    if tasks.due and not tasks.reported_due:
        return (f"{tasks.due}/{tasks.due} nhiệm vụ đến hạn chưa có báo cáo — chưa biết nhiệm vụ nào quá hạn." if vi
                else f"{tasks.due} of {tasks.due} tasks due have no report — it is not known which are late.")
    if tasks.not_reported:
        return (f"Không có nhiệm vụ nào được báo cáo là quá hạn; {tasks.not_reported}/{tasks.due} nhiệm vụ đến hạn "
                f"chưa có báo cáo nên chưa biết tình trạng." if vi else
                f"No task is reported late; {tasks.not_reported} of {tasks.due} tasks due have no report, so their "
                f"state is not known.")
    return "Không có nhiệm vụ quá hạn." if vi else "No task is overdue."


def tasks_report_sentence(tasks: Summary, done_in_period: int, lang: str) -> str:
    """The report's sentence on tasks: the reports missing first, then done, late and done in the period."""
    vi = _vi(lang)
    if not tasks.total:
        return "Các kế hoạch không có nhiệm vụ trong kỳ." if vi else "The plans have no tasks in the period."
    share = "—" if tasks.share is None else percent_text(tasks.share, lang)
    body = (f"Đã hoàn thành {tasks.done}/{tasks.total} nhiệm vụ ({share}); {tasks.overdue} nhiệm vụ quá hạn; "
            f"trong kỳ hoàn thành {done_in_period} nhiệm vụ." if vi else
            f"{tasks.done} of {tasks.total} tasks done ({share}); {tasks.overdue} late; {done_in_period} done in the "
            f"period.")
    if tasks.due and not tasks.reported_due:
        return (f"{tasks.due}/{tasks.due} nhiệm vụ đến hạn chưa có báo cáo — chưa đánh giá được tiến độ. " if vi else
                f"{tasks.due} of {tasks.due} tasks due have no report — progress cannot be assessed. ") + body
    if tasks.not_reported:
        completeness = percent_text(tasks.completeness or 0.0, lang)
        return (f"Đã nhận báo cáo {tasks.reported_due}/{tasks.due} nhiệm vụ đến hạn ({completeness}); "
                f"{tasks.not_reported} nhiệm vụ chưa có báo cáo. " if vi else
                f"Reports received for {tasks.reported_due} of {tasks.due} tasks due ({completeness}); "
                f"{tasks.not_reported} not reported. ") + body
    return body


def nothing_wrong_sentence(counts: Mapping[str, int], tasks: Summary, lang: str) -> str:
    """What the shortcomings section says when it lists nothing: what is known, and what is not."""
    vi = _vi(lang)
    missing, unreported = counts.get("no_data", 0), tasks.not_reported
    if not missing and not unreported:
        return ("Cơ sở dữ liệu không ghi nhận mục tiêu không đạt, chậm tiến độ hay nhiệm vụ quá hạn." if vi else
                "The database records no missed or off-track target and no overdue task.")
    gaps = []
    if missing:
        gaps.append(f"{missing} mục tiêu chưa có số liệu" if vi else f"{missing} targets have no figure")
    if unreported:
        gaps.append(f"{unreported} nhiệm vụ đến hạn chưa có báo cáo" if vi else
                    f"{unreported} tasks due have no report")
    joined = "; ".join(gaps)
    return (f"Chưa đánh giá được đầy đủ: {joined}. Trong phần đã có số liệu và báo cáo, không ghi nhận mục tiêu "
            f"không đạt, chậm tiến độ hay nhiệm vụ quá hạn." if vi else
            f"Not fully assessed: {joined}. Of what has figures and reports, no target is missed or off track and no "
            f"task is late.")
