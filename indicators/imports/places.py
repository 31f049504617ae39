"""Where a row of an actuals file stands: its province as meant in the row's period (a code or name, or the
code pinned to its era and name as exports write it), and the unit below the province, valid in that period."""

from __future__ import annotations

from datetime import date

import pandas as pd

from indicators.domain.periods import parse_period
from indicators.domain.registry import Registry
from indicators.domain.suggest import suggest_code, suggest_province, with_suggestions
from indicators.domain.values import ValueProblem
from indicators.i18n import bilingual, label

# joins a province cell with its era and name cells: a control character no real name contains, and one that
# str.strip() keeps (it strips \x1c-\x1f, which lost the empty name of a file with no name column)
SEP = "\x00"


def _days(column: pd.Series) -> list:
    """A frame's date column as ``date`` objects (None where missing), converted once for the whole column."""
    stamps = pd.to_datetime(column)
    return [None if pd.isna(d) else d for d in stamps.dt.date]


class Places:
    """Resolves the province and unit cells of rows, with the province registry and the units of the database."""

    def __init__(self, registry: Registry, units: pd.DataFrame | None):
        self.registry = registry
        # (province code, its valid_from, unit code) → (valid_from, valid_to) of every unit, when the file has a
        # unit column
        self.units = {} if units is None else dict(zip(
            zip(units.province_code, _days(units.province_valid_from), units.code),
            zip(_days(units.valid_from), _days(units.valid_to))))

    def unit_problem(self, key: tuple[str, date], code: str, start: date, end: date) -> tuple[str, str] | None:
        """Why a unit code cannot be the row's (None when it can): a unit of the row's province, valid in its
        period."""
        found = self.units.get((key[0], key[1], code))
        if found is None:
            return with_suggestions(
                label("imp_not_unit_of_province", "vi", province=key[0], since=f"{key[1]:%d/%m/%Y}"),
                label("imp_not_unit_of_province", "en", province=key[0], since=key[1]),
                suggest_code(code, self.unit_codes(key)))
        valid_from, valid_to = found
        if (valid_from and end < valid_from) or (valid_to and start > valid_to):
            span = f"{valid_from or '…'} – {valid_to or '…'}"
            return bilingual("imp_unit_not_valid_in_period", span=span)
        return None

    def unit_codes(self, key: tuple[str, date]) -> list[str]:
        """The codes of the units of one province era (what a misspelt unit code is compared with)."""
        by_province = self.__dict__.setdefault("_unit_codes", {})
        if not by_province:
            for province, since, unit in self.units:
                by_province.setdefault((province, since), []).append(unit)
        return by_province.get(tuple(key), [])

    def unknown_province(self, text: str) -> ValueProblem:
        """The refusal of a province cell that names no province, with the closest names (looked for once per
        text: a file may repeat a misspelt name on every row)."""
        found = self.__dict__.setdefault("_suggestions", {})
        if text not in found:
            found[text] = suggest_province(text, self.registry.provinces, self.registry.aliases)
        return ValueProblem(*with_suggestions(*bilingual("imp_unknown_province"), found[text]))

    def province_of(self, pair: tuple[str, str | None]) -> tuple[str, date]:
        text, period_text = pair
        if SEP in text:
            return self.pinned_province(text, period_text)
        if not text:
            raise ValueProblem(*bilingual("imp_province_blank"))
        if not isinstance(period_text, str):
            raise ValueProblem(*bilingual("imp_province_needs_period"))
        period = parse_period(period_text)
        eras = self.registry.eras(text)
        if not eras:
            raise self.unknown_province(text)
        try:
            return self.registry.resolve_in_period(text, period.start, period.end)
        except LookupError:
            pass
        latest = max(eras, key=lambda e: e.valid_from)
        if latest.valid_to is not None and period.start > latest.valid_to:
            successor = self.registry.eras(latest.successor_code) if latest.successor_code else []
            after = [e for e in successor if e.valid_from > latest.valid_to]
            name = after[0].name if after else latest.successor_code
            values = {"name": latest.name, "period": period_text, "successor": name, "code": latest.successor_code}
            raise ValueProblem(label("imp_province_merged", "vi", day=f"{latest.valid_to:%d/%m/%Y}", **values),
                               label("imp_province_merged", "en", day=latest.valid_to, **values))
        first = min(eras, key=lambda e: e.valid_from)
        raise ValueProblem(*bilingual("imp_province_not_yet", name=first.name, period=period_text))


    def pinned_province(self, combined: str, period_text: str | None) -> tuple[str, date]:
        """A province given with its era (``province_valid_from``) and/or its name, as exports write it."""
        parts = combined.split(SEP)
        if len(parts) != 3:
            raise ValueProblem(*bilingual("imp_province_control"))
        text, since, name = parts
        if since:
            try:
                day = date.fromisoformat(since[:10])
            except ValueError:
                raise ValueProblem(*bilingual("imp_province_since_not_date")) from None
            eras = [e for e in self.registry.eras(text) if e.valid_from == day]
            if not eras:
                raise ValueProblem(label("imp_no_province_since", "vi", day=f"{day:%d/%m/%Y}"),
                                   label("imp_no_province_since", "en", day=day))
            key = (eras[0].code, eras[0].valid_from)
            if isinstance(period_text, str):
                period = parse_period(period_text)
                if not eras[0].overlaps(period.start, period.end):
                    raise ValueProblem(*bilingual("imp_province_not_in_period", name=eras[0].name,
                                                  period=period_text))
        else:
            key = self.province_of((text, period_text))
        if name and key not in [(e.code, e.valid_from) for e in self.registry.eras(name)]:
            raise ValueProblem(label("imp_name_not_province", "vi", name=name, code=key[0], day=f"{key[1]:%d/%m/%Y}"),
                               label("imp_name_not_province", "en", name=name, code=key[0], day=key[1]))
        return key
