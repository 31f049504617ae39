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


def _parts(counts: Mapping[str, int], lang: str, skip: tuple[str, ...] = ()) -> str:
    """``1 không đạt, 2 đã đạt``: the non-zero counts in the statuses' order, named as the interface names them."""
    return ", ".join(f"{counts[s]} {label(s, lang).lower()}" for s in STATUS_ORDER
                     if s not in skip and counts.get(s, 0))


def targets_sentence(counts: Mapping[str, int], lang: str) -> str:
    """How the targets stand: coverage first when figures are missing."""
    total = sum(counts.get(s, 0) for s in STATUS_ORDER)
    missing = counts.get("no_data", 0)
    if not total:
        return label("sum_no_targets", lang)
    if missing == total:
        return label("sum_targets_none_judged", lang, missing=missing, total=total)
    rest = _parts(counts, lang, skip=("no_data",))
    if missing:
        return label("sum_targets_some_missing", lang, missing=missing, total=total, judged=total - missing, rest=rest)
    return label("sum_targets", lang, total=total, rest=rest)


def attention_sentence(counts: Mapping[str, int], lang: str) -> str:
    """Whether any target needs attention; never "none" when the figures to tell are missing."""
    total = sum(counts.get(s, 0) for s in STATUS_ORDER)
    missing = counts.get("no_data", 0)
    flagged = sum(counts.get(s, 0) for s in ATTENTION)
    if not total:
        return label("sum_no_targets", lang)
    if flagged:
        head = label("sum_attention", lang, flagged=flagged,
                     parts=_parts({s: counts.get(s, 0) for s in ATTENTION}, lang))
        if missing:
            return head + "; " + label("sum_attention_missing", lang, missing=missing, total=total)
        return head + "."
    if missing == total:
        return label("sum_attention_none_judged", lang, missing=missing, total=total)
    if missing:
        return label("sum_attention_none_some_missing", lang, missing=missing, total=total, judged=total - missing)
    return label("sum_attention_none", lang)


def late_tasks_sentence(tasks: Summary, lang: str) -> str:
    """What stands where a list of late tasks would: "none late" only when the reports are in."""
    if tasks.overdue:
        return label("sum_late", lang, overdue=tasks.overdue)
    if tasks.due and not tasks.reported_due:
        return label("sum_late_unknown", lang, due=tasks.due)
    if tasks.not_reported:
        return label("sum_late_none_some_unreported", lang, not_reported=tasks.not_reported, due=tasks.due)
    return label("sum_late_none", lang)


def tasks_report_sentence(tasks: Summary, done_in_period: int, lang: str) -> str:
    """The report's sentence on tasks: the reports missing first, then done, late and done in the period."""
    if not tasks.total:
        return label("sum_no_tasks", lang)
    share = "—" if tasks.share is None else percent_text(tasks.share, lang)
    body = label("sum_tasks_body", lang, done=tasks.done, total=tasks.total, share=share, overdue=tasks.overdue,
                 done_in_period=done_in_period)
    if tasks.due and not tasks.reported_due:
        return label("sum_tasks_unassessed", lang, due=tasks.due) + " " + body
    if tasks.not_reported:
        completeness = percent_text(tasks.completeness or 0.0, lang)
        return label("sum_tasks_partial", lang, reported=tasks.reported_due, due=tasks.due,
                     completeness=completeness, not_reported=tasks.not_reported) + " " + body
    return body


def nothing_wrong_sentence(counts: Mapping[str, int], tasks: Summary, lang: str) -> str:
    """What the shortcomings section says when it lists nothing: what is known, and what is not."""
    missing, unreported = counts.get("no_data", 0), tasks.not_reported
    if not missing and not unreported:
        return label("sum_nothing_wrong", lang)
    gaps = []
    if missing:
        gaps.append(label("sum_gap_targets", lang, n=missing))
    if unreported:
        gaps.append(label("sum_gap_tasks", lang, n=unreported))
    return label("sum_not_fully_assessed", lang, gaps="; ".join(gaps))
