"""The rules a numeric target must keep, written once: the reviewed plans of ``data/plans``
(:mod:`indicators.reference.loader`) and the target sheets analysts upload (:mod:`indicators.imports.targets`) are
checked by the same function, each naming the file's field or column itself."""

from __future__ import annotations

import math
from typing import Any, Mapping

from indicators.domain.periods import Period
from indicators.i18n import bilingual

Finding = tuple[str, str, str]  # (field, Vietnamese, English)


def target_problems(indicator: Mapping[str, Any], comparator: str, values: Mapping[str, float],
                    start: Period | None = None, deadline: Period | None = None) -> list[Finding]:
    """What is wrong with a target of ``indicator`` (its catalogue entry: code, direction, unit, min_value,
    max_value): the comparator against the indicator's direction, ``rank<=`` only for ranks, ``between`` with
    a high value and only it, every value (``value``, ``value_high``) inside the indicator's range, the deadline
    not before the start."""
    code, found = indicator["code"], []
    higher = indicator["direction"] == "higher"
    if comparator in (">=", ">") and not higher or comparator in ("<=", "<") and higher:
        found.append(("comparator", *bilingual("dom_comparator_direction", comparator=comparator, code=code)))
    if (comparator == "rank<=") != (indicator["unit"] == "rank"):
        found.append(("comparator", *bilingual("dom_rank_comparator")))
    if comparator == "between" and "value_high" not in values:
        found.append(("value_high", *bilingual("dom_between_needs_high")))
    if comparator != "between" and "value_high" in values:
        found.append(("value_high", *bilingual("dom_high_only_between")))
    low, high = indicator["min_value"], indicator.get("max_value")
    high = None if high is None or (isinstance(high, float) and math.isnan(high)) else high
    for name in ("value", "value_high"):
        if name in values and (values[name] < low or (high is not None and values[name] > high)):
            found.append((name, *bilingual("dom_target_outside_range", value=f"{values[name]:g}", code=code)))
    if start is not None and deadline is not None and deadline.end < start.start:
        found.append(("deadline", *bilingual("dom_deadline_before_start")))
    return found
