"""Checked rows beside what is stored: each figure is new (insert), different (change) or the same (unchanged),
with the stored value, source, note and batch it would replace — and, at commit, whether any of that moved
since the preview."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..storage import Session, Store
from .cells import same_text

OLD_COLUMNS = ("old_value", "old_source", "old_note", "old_batch_id", "status")


def compare_actuals(store: Store | Session, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the stored row of each key (if any) and its status: insert, change or unchanged."""
    keys = pd.DataFrame({"position": np.arange(len(frame)), "province_code": frame["province_code"].to_numpy(object),
                         "province_valid_from": frame["province_valid_from"].to_numpy(),
                         "unit_code": (frame["unit_code"].to_numpy(object) if "unit_code" in frame
                                       else np.full(len(frame), "", dtype=object)),
                         "indicator_code": frame["indicator_code"].to_numpy(object),
                         "period": frame["period"].to_numpy(object)})
    stored = store.stored_actuals(keys)
    out = frame.drop(columns=[c for c in OLD_COLUMNS if c in frame.columns]).reset_index(drop=True)
    old_value = np.full(len(out), np.nan)
    old_source = np.full(len(out), None, dtype=object)
    old_note = np.full(len(out), None, dtype=object)
    old_batch = np.full(len(out), np.nan)
    at = stored["position"].to_numpy()
    old_value[at] = stored["old_value"].to_numpy(dtype=float)
    old_source[at] = stored["old_source"].to_numpy(dtype=object)
    old_note[at] = stored["old_note"].to_numpy(dtype=object)
    old_batch[at] = stored["old_batch_id"].to_numpy(dtype=float)
    status = np.full(len(out), "insert", dtype=object)
    exists = np.zeros(len(out), dtype=bool)
    exists[at] = True
    same = exists & (old_value == out["value"].to_numpy(dtype=float)) & same_text(old_source, out["source"]) \
        & same_text(old_note, out["note"])
    status[exists] = "change"
    status[same] = "unchanged"
    return out.assign(old_value=old_value, old_source=old_source, old_note=old_note,
                      old_batch_id=pd.Series(old_batch).astype("Int64"), status=status)


def changed_since_preview(shown: pd.DataFrame, fresh: pd.DataFrame) -> int | None:
    """The file row of the first figure whose stored state is not the one the preview showed (a row to insert
    that now exists, a stored value, source or note replaced meanwhile), or None when every one is as shown."""
    if fresh is shown:
        return None
    same = (shown["status"].to_numpy() == fresh["status"].to_numpy())
    old, new = shown["old_value"].to_numpy(dtype=float), fresh["old_value"].to_numpy(dtype=float)
    same &= (old == new) | (np.isnan(old) & np.isnan(new))
    same &= same_text(shown["old_source"].to_numpy(dtype=object), fresh["old_source"])
    same &= same_text(shown["old_note"].to_numpy(dtype=object), fresh["old_note"])
    if same.all():
        return None
    return int(fresh["row"].to_numpy()[np.flatnonzero(~same)[0]])
