"""The body of the periodic CCHC report as written sentences, in the order reform reports follow
(docs/report-outline.md): I. direction and operation; II. results in each of the six reform areas of Resolution
76/NQ-CP (and the tasks and targets no area is recorded for, under their own heading: never guessed); III. assessment
(results, shortcomings, causes); IV. the next period's tasks; V. proposals. Tables are the appendices'
(appendices.py): the body holds figures in sentences only, and no code, database id or address (provenance is the
colophon's).

What only people can write is a placeholder block; :func:`todo_list` lists them for the drafter. Every figure here
is one of the report's content (content.py): nothing is computed beyond counting it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators.domain.reform_areas import CODES, SIX, area_name
from indicators.domain.summaries import nothing_wrong_sentence, targets_sentence, tasks_report_sentence
from indicators.domain.tasks import percent_text, summary
from indicators.i18n import N_ as W_
from indicators.reports.content import ReportContent
from indicators.reports.merger import PlanLine
from indicators.reports.phrases import day, number, period_days, w
from indicators.services.views import STATUS_ORDER

# the placeholders' words, passed in variables (marked for extraction)
PLACEHOLDERS = (W_("ph_direction"), W_("ph_area"), W_("ph_unclassified"), W_("ph_results"), W_("ph_causes"),
                W_("ph_next"), W_("ph_proposals"))


@dataclass(frozen=True)
class Block:
    """One piece of the body: a heading (``h1``, ``h2``), a paragraph (``p``) or a placeholder (``todo``) that the
    drafter replaces; ``where`` is the heading a placeholder stands under."""

    kind: str
    text: str
    where: str = ""


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def body(content: ReportContent, lang: str) -> list[Block]:
    """The report's body, from the opening paragraph to section V."""
    blocks = [Block("p", t) for t in opening(content, lang)]
    blocks += _direction(content, lang) + _areas(content, lang) + _assessment(content, lang)
    blocks += _next(content, lang)
    blocks += _section(w("o5", lang), [], "ph_proposals", lang)
    return blocks


def todo_list(blocks: list[Block]) -> list[str]:
    """What remains to be written, one line per kind of placeholder: where it stands (the headings of the same
    request joined) and what it asks for."""
    wheres: dict[str, list[str]] = {}
    for b in blocks:
        if b.kind == "todo":
            wheres.setdefault(b.text, []).append(b.where)
    return [f"{'; '.join(where)}: {text.strip('[]')}" for text, where in wheres.items()]


def opening(content: ReportContent, lang: str) -> list[str]:
    """The opening paragraph, the day the figures stand on, and the merger where there was one."""
    name, period = content.prose(lang), content.period
    if period.kind == "plan" and content.plans:
        plan = content.plans[0]
        out = [w("intro_closing", lang, name=name, title=plan.title, number=plan.number)]
    else:
        out = [w("intro", lang, name=name, period=period.label_vi if lang == "vi" else period.label_en)]
    if period.window:
        start, _ = period_days(*period.window)
        out.append(w("window", lang, start=start, end=day(content.as_of)))
    else:
        out.append(w("no_window", lang, end=day(content.as_of)))
    merger = merger_sentence(content, lang)
    return out + [merger] if merger else out


def merger_sentence(content: ReportContent, lang: str) -> str | None:
    """Which provinces the province was formed from and when (or that it kept its territory); None for a province
    the 2025 merger did not concern."""
    merger, name = content.merger, content.prose(lang)
    if merger is None:
        return None
    olds = merger.from_vi if lang == "vi" else merger.from_en
    key = "merger_formed" if merger.merged else "merger_kept"
    return w(key, lang, name=cap(name), prose=name, day=merger.formed_on.strftime("%d/%m/%Y"),
             olds=w("and", lang).join([", ".join(olds[:-1]), olds[-1]]) if len(olds) > 1 else olds[0])


def _section(heading: str, paragraphs: list[str], placeholder: str, lang: str, level: str = "h1") -> list[Block]:
    return [Block(level, heading), *(Block("p", t) for t in paragraphs),
            Block("todo", w(placeholder, lang), where=heading)]


def _direction(content: ReportContent, lang: str) -> list[Block]:
    """I: the plans carried out in the period (inherited ones named as such) and the direction tasks' progress."""
    name = content.prose(lang)
    closing = content.period.kind == "plan"          # the opening named the plan in full already
    lines = [plan_sentence(p, name, lang, short=closing) for p in content.plans] or [w("plans_none", lang, name=name)]
    if len(_of_area(content.all_occurrences, "direction")) or len(_of_area(content.targets, "direction")):
        lines += _figures(content, "direction", lang)
    return _section(w("o1", lang), lines, "ph_direction", lang)


def plan_sentence(plan: PlanLine, name: str, lang: str, short: bool = False) -> str:
    """The plan carried out (its title, or "the plan above" when the opening named it), and whose it was."""
    term = plan.start if plan.start == plan.end else f"{plan.start}–{plan.end}"
    title = w("plan_above", lang) if short else plan.title
    if plan.inherited:
        return w("plan_inherited", lang, number=plan.number, title=title, term=term,
                 issuer=plan.issuer_vi if lang == "vi" else plan.issuer_en, name=name)
    return w("plan_own", lang, number=plan.number, title=title, term=term)


def _of_area(frame: pd.DataFrame, code: str | None) -> pd.DataFrame:
    if not len(frame):
        return frame
    return frame[frame.reform_area.isna()] if code is None else frame[frame.reform_area == code]


def _figures(content: ReportContent, code: str | None, lang: str) -> list[str]:
    """One reform area in one paragraph: the tasks' progress and the targets' state, each with its total."""
    tasks, targets = _of_area(content.all_occurrences, code), _of_area(content.targets, code)
    if not len(tasks) and not len(targets):
        return [w("area_none", lang)]
    counts = {s: int((targets.status == s).sum()) for s in STATUS_ORDER}
    done = summary(tasks)
    if len(tasks) and done.total and not (tasks.done_in_period.any() or done.overdue or done.not_reported) \
            and counts["no_data"] == len(targets):          # nothing changed in the period: one sentence
        share = percent_text(done.share or 0.0, lang)
        text = w("area_unchanged", lang, done=done.done, total=done.total, share=share)
        if len(targets):
            text += w("area_unchanged_targets", lang, missing=len(targets))
        return [text + "."]
    out = []
    if len(tasks):
        out.append(tasks_report_sentence(done, int(tasks.done_in_period.sum()), lang))
    if len(targets):
        out.append(targets_sentence(counts, lang))
    return [" ".join(out)]


def _areas(content: ReportContent, lang: str) -> list[Block]:
    """II: one heading per area of the programme, then the tasks and targets no area is recorded for."""
    blocks = [Block("h1", w("o2", lang))]
    if not len(content.all_occurrences) and not len(content.targets):
        blocks.append(Block("p", w("areas_nothing", lang, name=content.prose(lang))))
    else:       # the whole first: every task and target of the period's plans, then area by area
        blocks.append(Block("p", tasks_report_sentence(content.tasks, content.done_in_period, lang) + " "
                            + targets_sentence(content.status_counts, lang)))
    for i, code in enumerate(SIX, start=1):
        heading = f"{i}. {area_name(code, lang)}"
        blocks += _section(heading, _figures(content, code, lang), "ph_area", lang, level="h2")
    unclassified = [f for f in (content.all_occurrences, content.targets)
                    if len(f) and (~f.reform_area.isin(CODES)).any()]
    if unclassified:
        title = w("area_unclassified", lang)
        heading = f"{len(SIX) + 1}. {title}"
        lines = [" ".join([w("unclassified_note", lang), *_figures(content, None, lang)])]
        blocks += _section(heading, lines, "ph_unclassified", lang, level="h2")
    return blocks


def _assessment(content: ReportContent, lang: str) -> list[Block]:
    """III: the results (indices, the province's own index of its units), the shortcomings drafted from the data,
    and the causes (people's to write)."""
    blocks = [Block("h1", w("o3", lang))]
    blocks += _section(w("o3_1", lang), index_sentences(content, lang) + league_sentences(content, lang),
                       "ph_results", lang, level="h2")
    blocks.append(Block("h2", w("o3_2", lang)))
    for vi, en in content.shortcomings or [(nothing_wrong_sentence(content.status_counts, content.tasks, "vi"),
                                            nothing_wrong_sentence(content.status_counts, content.tasks, "en"))]:
        blocks.append(Block("p", vi if lang == "vi" else en))
    blocks += _section(w("o3_3", lang), [], "ph_causes", lang, level="h2")
    return blocks


def index_sentences(content: ReportContent, lang: str) -> list[str]:
    """One sentence per composite index with a figure; a predecessor's figure names the predecessor. The indices
    without a figure are named together."""
    indices = content.indices
    if not len(indices):
        return []
    out = [w("idx_predecessors", lang, name=content.prose(lang))] if not indices.own.all() else []
    missing: dict[str, list[str]] = {}          # an index without a figure → whose figure is missing
    for r in indices.itertuples():
        index = r.name_vi if lang == "vi" else r.name_en
        whose = "" if r.own else (r.label_vi if lang == "vi" else r.label_en)
        if r.value is None or r.value != r.value:
            missing.setdefault(index, []).append(whose)
            continue
        places = int(r.decimals)
        values = {"index": index, "period": r.period, "value": number(r.value, places, lang), "whose": whose}
        key = "idx_value_of" if whose else "idx_value"
        text = w(key, lang, **values)
        if r.rank == r.rank and r.rank is not None:
            text += w("idx_rank", lang, rank=int(r.rank), ranked=int(r.ranked) if r.ranked == r.ranked else "?")
        if r.change == r.change and r.change is not None and r.change != 0:
            key = "idx_up" if r.change > 0 else "idx_down"
            text += w(key, lang, change=number(abs(r.change), places, lang))
        if r.national_mean == r.national_mean and r.national_mean is not None:
            text += w("idx_mean", lang, mean=number(r.national_mean, places, lang), period=r.mean_period)
        out.append(text + ".")
    if missing:
        names = [f"{index} ({', '.join(whose)})" if any(whose) else index for index, whose in missing.items()]
        out.append(w("idx_missing", lang, names="; ".join(names)))
    return out


def league_sentences(content: ReportContent, lang: str) -> list[str]:
    """The province's own index of its units: how many were appraised, the highest and the lowest."""
    if not content.leagues:
        return [w("s2_units_none", lang)]
    out = []
    for scope, table in content.leagues.items():
        ranked = table[table["rank"].notna()].sort_values("rank")
        if ranked.empty:
            continue
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        out.append(w("s2_league_line", lang, scope=w(f"scope_{scope}", lang), n=len(ranked), best=best.unit_name,
                     best_points=number(best.appraised, 2, lang), worst=worst.unit_name,
                     worst_points=number(worst.appraised, 2, lang)))
    return out


def _next(content: ReportContent, lang: str) -> list[Block]:
    """IV: what carries over (tasks not done, targets not achieved), and the plans whose term ends with the period."""
    tasks, targets = content.tasks, content.targets
    said = []
    if tasks.total or len(targets):
        open_targets = int((~targets.status.isin(["achieved"])).sum()) if len(targets) else 0
        said.append(w("next_left", lang, left=tasks.total - tasks.done, total=tasks.total, open=open_targets,
                      targets=len(targets)))
    ending = [p for p in content.plans if p.end == str(content.period.end.year)]
    if ending:
        said.append(w("next_ending", lang, plans=", ".join(p.number for p in ending),
                      year=content.period.end.year))
    return _section(w("o4", lang), [" ".join(said)] if said else [], "ph_next", lang)
