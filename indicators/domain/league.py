"""The province's own CCHC index of its units: totals per unit, year and stage, and the league table (ranks
within the province among its departments, or among its communes), on the appraised score, with the
self-assessment beside it. Pure functions over the store's frames."""

from __future__ import annotations

import pandas as pd

from indicators.domain.units import COMMUNE_KINDS

_KEY = ["province_code", "province_valid_from", "year", "scope"]


def scope_of(kind: str | None) -> str:
    return "commune" if kind in (*COMMUNE_KINDS, "township", "district") else "department"


def totals(scores: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """Points per unit, year and stage (the sum of its criteria's), with the index's maximum (the sum of the
    maximum of every criterion without sub-criteria, of the province, year and scope) and the share of it."""
    columns = [*_KEY, "unit_code", "unit_name", "unit_kind", "stage", "points", "max_points", "percent"]
    if scores.empty:
        return pd.DataFrame(columns=columns)
    scores = scores.assign(scope=scores.unit_kind.map(scope_of))
    summed = scores.groupby([*_KEY, "unit_code", "unit_name", "unit_kind", "stage"], dropna=False,
                            as_index=False).points.sum()
    maxima = leaves(criteria).groupby(_KEY, as_index=False).max_points.sum()
    out = summed.merge(maxima, on=_KEY, how="left")
    out["percent"] = 100 * out.points / out.max_points
    return out[columns]


def leaves(criteria: pd.DataFrame) -> pd.DataFrame:
    """The criteria that have no sub-criteria (those that hold points), per province, year and scope."""
    parts = []
    for _, group in criteria.groupby(_KEY):
        codes = set(group.code)
        parts.append(group[[not any(c.startswith(code + ".") for c in codes) for code in group.code]])
    return pd.concat(parts) if parts else criteria.iloc[0:0]


def league(totals_frame: pd.DataFrame, scope: str, year: int | None = None) -> pd.DataFrame:
    """One row per unit of a scope: appraised points and rank (1 = best; equal points share a rank), the
    self-assessed points beside them and the difference; units with no appraisal yet are listed unranked, last."""
    frame = totals_frame[totals_frame.scope == scope]
    if year is not None:
        frame = frame[frame.year == year]
    if frame.empty:
        return pd.DataFrame(columns=[*_KEY, "unit_code", "unit_name", "appraised", "self", "difference",
                                     "max_points", "percent", "rank"])
    wide = frame.pivot_table(index=[*_KEY, "unit_code", "unit_name", "max_points"], columns="stage",
                             values="points", aggfunc="sum").reset_index()
    for stage in ("appraised", "self"):
        if stage not in wide:
            wide[stage] = float("nan")
    wide["difference"] = wide.appraised - wide["self"]
    wide["percent"] = 100 * wide.appraised / wide.max_points
    wide["rank"] = wide.groupby(_KEY).appraised.rank(ascending=False, method="min")
    wide.columns.name = None
    return wide.sort_values([*_KEY, "rank", "unit_code"], na_position="last").reset_index(drop=True)
