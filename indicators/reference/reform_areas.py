"""The reform area of each task, target and indicator (``data/reform_areas.yaml``, issue 28), checked against the
plans and the indicator catalogue and set on them as ``reform_area``: a code of
:mod:`indicators.domain.reform_areas`, or None where the plan's heading names no single area (not classified).

The file must describe everything and only what exists: a task heading, a target or an indicator family it does
not list is a problem (a new plan or heading is classified by a reviewer, never by default), and so is an entry
left over from a heading, target, family or indicator that is gone."""

from __future__ import annotations

from typing import Any

FILE = "reform_areas.yaml"


def assign_areas(mapping: dict[str, Any], plans: list[dict[str, Any]], catalogue: dict[str, Any],
                 problems: list[str]) -> None:
    """Set ``reform_area`` on every task and target of ``plans`` and every indicator of ``catalogue`` from
    ``mapping`` (the file as read and checked against its schema); each gap or stale entry goes to ``problems``."""
    by_plan = mapping["plans"]
    for plan_id in sorted(set(by_plan) - {p["id"] for p in plans}):
        problems.append(f"{FILE} at plans/{plan_id}: no plan {plan_id} in data/plans")
    for plan in plans:
        entry = by_plan.get(plan["id"])
        if entry is None:
            problems.append(f"{FILE} at plans: no entry for plan {plan['id']} ({plan['_file']})")
            continue
        _assign_tasks(plan, entry["headings"], problems)
        _assign_targets(plan, entry["targets"], problems)
    _assign_indicators(mapping["indicators"], catalogue, problems)


def _assign_tasks(plan: dict[str, Any], headings: dict[str, str | None], problems: list[str]) -> None:
    where = f"{FILE} at plans/{plan['id']}/headings"
    for n, task in enumerate(plan["tasks"]):
        if task["area"] in headings:
            task["reform_area"] = headings[task["area"]]
        else:
            problems.append(f"{where}: no area for the heading '{task['area']}' of {plan['_file']} at tasks/{n} "
                            f"({task['ref']}); give its area, or null where it names no single area")
    for heading in sorted(set(headings) - {t["area"] for t in plan["tasks"]}):
        problems.append(f"{where}: no task of {plan['_file']} sits under the heading '{heading}'")


def _assign_targets(plan: dict[str, Any], targets: dict[str, dict[str, Any]], problems: list[str]) -> None:
    where = f"{FILE} at plans/{plan['id']}/targets"
    for n, target in enumerate(plan["targets"]):
        if target["id"] in targets:
            target["reform_area"] = targets[target["id"]]["area"]
        else:
            problems.append(f"{where}: no area for target {target['id']} of {plan['_file']} at targets/{n}; give "
                            "the heading it sits under and its area, or null where it names no single area")
    for target_id in sorted(set(targets) - {t["id"] for t in plan["targets"]}):
        problems.append(f"{where}/{target_id}: no target {target_id} in {plan['_file']}")


def _assign_indicators(mapping: dict[str, Any], catalogue: dict[str, Any], problems: list[str]) -> None:
    families, overrides = mapping["families"], mapping["indicators"]
    known_families = {f["code"] for f in catalogue["families"]}
    for family in sorted(known_families - set(families)):
        problems.append(f"{FILE} at indicators/families: no area for the family {family} (null for none)")
    for family in sorted(set(families) - known_families):
        problems.append(f"{FILE} at indicators/families/{family}: no family {family} in indicators.yaml")
    indicators = {i["code"]: i for i in catalogue["indicators"]}
    for code in sorted(overrides):
        indicator = indicators.get(code)
        if indicator is None:
            problems.append(f"{FILE} at indicators/indicators/{code}: no indicator {code} in indicators.yaml")
        elif overrides[code] == families.get(indicator["family"]):
            problems.append(f"{FILE} at indicators/indicators/{code}: the same area as its family "
                            f"{indicator['family']}; list only an indicator whose area differs")
    for indicator in catalogue["indicators"]:
        indicator["reform_area"] = overrides.get(indicator["code"], families.get(indicator["family"]))
