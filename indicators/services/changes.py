"""What changed since the last report: each target's status as of a year against its status as of the year before
(the yearly report's period), computed from the same judgement the pages show. Only targets judged in both years
are compared; a target that appears or disappears (a plan issued, a plan ended) is not a change of status."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["target_id", "province_name", "indicator_name_vi", "indicator_name_en", "before", "status", "better"]


# how good a judged status is; "no figure yet" and "not due" are no judgement, so a change to or from them is
# neither better nor worse
SCORE = {"missed": 0, "off_track": 1, "at_risk": 2, "on_track": 3, "achieved": 4}


def status_changes(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """The targets of ``now`` (judged targets as of a year) whose status differs from ``before`` (as of the year
    before): their id, province, indicator, the status before and now, and ``better``: True or False where both are
    judgements, None where one of them is none ("no figure yet", "not due"). Most urgent first, as ``now`` is."""
    if before.empty or now.empty:
        return pd.DataFrame(columns=COLUMNS)
    merged = now.merge(before[["target_id", "status"]].rename(columns={"status": "before"}), on="target_id")
    merged = merged[merged.status != merged.before]
    better = [None if s not in SCORE or b not in SCORE else SCORE[s] > SCORE[b]
              for s, b in zip(merged.status, merged.before)]
    return merged.assign(better=better)[COLUMNS].reset_index(drop=True)
