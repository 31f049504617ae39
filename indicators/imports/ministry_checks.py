"""What a Ministry's table must hold as a whole, beside each row's own checks: each province once, no more
provinces than existed in the year, and ranks that a ranking can give (1..N; a gap only after a tie, whose
provinces have equal totals; a better rank never with a lower total). Every refusal names the row and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from indicators.i18n import N_, bilingual

from .cells import number_text
from .table import Problem


@dataclass
class ParsedRow:
    """One province's row of the table, as read: its file row, its province, the figures by indicator."""

    row: int
    key: tuple[str, date]
    values: dict[str, float] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)   # the cells as written, by indicator
    refused: set[str] = field(default_factory=set)        # indicators whose cell is refused (named already)


def most_provinces(provinces: pd.DataFrame, year: int) -> int:
    """The most provinces that existed at one moment of ``year`` (on its first or its last day)."""
    def valid_on(day: date) -> int:
        stamp = pd.Timestamp(day)
        return int(((provinces.valid_from <= stamp) & (provinces.valid_to.isna() | (provinces.valid_to >= stamp)))
                   .sum())
    return max(valid_on(date(year, 1, 1)), valid_on(date(year, 12, 31)))


class TableChecks:
    """The checks of the whole table; ``column`` gives the name of an indicator's (or the province's) column."""

    def __init__(self, rows: list[ParsedRow], column, most: int, year: int, total: str, rank: str | None,
                 decimals: int):
        self.rows, self.column, self.most, self.year = rows, column, most, year
        self.total, self.rank, self.decimals = total, rank, decimals
        self.problems: list[Problem] = []

    def run(self) -> list[Problem]:
        self._duplicates()
        self._count()
        if self.rank is not None:
            self._ranks()
        return sorted(self.problems, key=lambda p: p.row or 0)

    def _duplicates(self) -> None:
        first: dict[tuple[str, date], int] = {}
        for r in self.rows:
            if r.key in first:
                self.problems.append(Problem(*bilingual("imp_duplicate_row", first=first[r.key]), row=r.row,
                                             column=self.column("province")))
            else:
                first[r.key] = r.row

    def _count(self) -> None:
        """Rows past the number of provinces that existed are refused, each named."""
        if len(self.rows) <= self.most:
            return
        values = {"count": len(self.rows), "year": self.year, "most": self.most}
        for r in self.rows[self.most:]:
            self.problems.append(Problem(*bilingual("imp_ministry_too_many", **values), row=r.row,
                                         column=self.column("province")))

    def _ranks(self) -> None:
        if any(self.rank in r.refused for r in self.rows):
            return   # a rank cell already refused: the sequence cannot be judged without it
        ranked = sorted((r for r in self.rows if self.rank in r.values), key=lambda r: r.values[self.rank])
        ranks = [int(r.values[self.rank]) for r in ranked]
        for r, rank in zip(ranked, ranks):
            if rank > self.most:
                self._rank_problem(r, N_("imp_rank_outside"), rank=rank, most=self.most)
                continue
            above = sum(1 for other in ranks if other < rank)
            if rank != above + 1:
                self._rank_problem(r, N_("imp_rank_impossible"), rank=rank, above=above, expected=above + 1)
        self._ties_and_order(ranked)

    def _ties_and_order(self, ranked: list[ParsedRow]) -> None:
        """Rows sharing a rank have equal totals; a row with a worse rank never has a higher total than a row with
        a better one (totals compared at their published decimals)."""
        best: tuple[float, ParsedRow] | None = None   # the lowest total among strictly better ranks so far
        by_rank: dict[int, list[ParsedRow]] = {}
        for r in ranked:
            by_rank.setdefault(int(r.values[self.rank]), []).append(r)
        for rank in sorted(by_rank):
            group = [r for r in by_rank[rank] if self.total in r.values]
            for r in group[1:]:
                if self._total(r) != self._total(group[0]):
                    self._rank_problem(r, N_("imp_rank_tie_unequal"), rank=rank, other=group[0].row,
                                       total=r.texts[self.total], other_total=group[0].texts[self.total])
            for r in group:
                if best is not None and self._total(r) > best[0]:
                    self._rank_problem(r, N_("imp_rank_order"), rank=rank, other=best[1].row,
                                       other_rank=int(best[1].values[self.rank]), total=r.texts[self.total],
                                       other_total=best[1].texts[self.total])
            lowest = min(group, key=self._total, default=None)
            if lowest is not None and (best is None or self._total(lowest) < best[0]):
                best = (self._total(lowest), lowest)

    def _total(self, r: ParsedRow) -> float:
        return round(r.values[self.total], self.decimals)

    def _rank_problem(self, r: ParsedRow, key: str, **values) -> None:
        self.problems.append(Problem(*bilingual(key, **values), row=r.row, column=self.column(self.rank),
                                     value=number_text(r.values[self.rank])))
