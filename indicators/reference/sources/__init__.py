"""Source adapters: each reads one public format as it is published and returns actuals in the
project's own long form (see :data:`ACTUAL_COLUMNS`). ``python -m indicators sources`` runs them
and writes the project's data files under ``data/actuals/``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from indicators.domain.registry import Registry
from indicators.domain.text import nfc

ACTUAL_COLUMNS = ["province_code", "province_valid_from", "province_name", "indicator_code", "period",
                  "value", "source"]
DECIMALS = 6


class SourceFormatError(ValueError):
    """A source file is not laid out as its adapter expects; the message names the file and place."""


def rank_descending(values: pd.Series) -> pd.Series:
    """Rank 1 for the highest score; ties share the better rank; missing values get no rank."""
    return values.rank(ascending=False, method="min")


def actual_frame(records: list[dict], registry: Registry) -> pd.DataFrame:
    """Records keyed by ``key`` (a province key) with indicator, period, value and source, in the long form:
    the province's name added from the registry, blank values left out."""
    frame = pd.DataFrame(records, columns=["key", "indicator_code", "period", "value", "source"])
    frame = frame[frame.value.notna()].reset_index(drop=True)
    frame["province_code"] = [k[0] for k in frame.key]
    frame["province_valid_from"] = [k[1] for k in frame.key]
    frame["province_name"] = [registry.name(k) for k in frame.key]
    frame["value"] = frame.value.astype(float)
    return frame[ACTUAL_COLUMNS]


def write_actuals(frame: pd.DataFrame, path: Path) -> None:
    """Write actuals sorted and rounded, so that a rerun on the same sources gives the same bytes."""
    out = frame[ACTUAL_COLUMNS].copy()
    out["value"] = out["value"].round(DECIMALS)
    out["province_valid_from"] = out["province_valid_from"].astype(str)
    out = out.sort_values(["indicator_code", "period", "province_code", "province_valid_from"], kind="stable")
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n", float_format=f"%.{DECIMALS}f")


def read_actuals(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"province_code": str, "period": str, "province_valid_from": str},
                        keep_default_na=False, na_values=[""])
    for column in ("province_name", "indicator_code", "source"):
        frame[column] = frame[column].map(lambda v: nfc(v) if isinstance(v, str) else v)
    return frame
