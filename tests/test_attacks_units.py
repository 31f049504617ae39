"""Attack F14 of issue 25, replayed: a unit that succeeds itself, or successions that come back to where they
started (A → B → A, within the file or through a stored unit), are refused, naming the rows."""

from datetime import date

import pytest

from indicators.imports import commit
from indicators.services.auth import add_user
from tests.conftest import PASSWORD
from tests.test_unit_actuals import UNITS, _preview

SOURCE = "Quyết định 9/QĐ-UBND ngày 01/03/2026"


@pytest.fixture
def analyst(store):
    return add_user(store, add_user(store, None, "admin1", PASSWORD, "admin"), "analyst1", PASSWORD, "analyst")


def _problems(result) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.en) for p in result.problems]


def test_a_unit_that_succeeds_itself_is_refused(store):
    result = _preview(store, UNITS + f"80,80-BQLA,Ban A,agency,2025-07-01,2026-03-31,80-BQLA,{SOURCE}\n")
    assert not result.ok
    assert _problems(result) == [(2, "successor_code", "a unit cannot succeed itself")]


def test_a_circle_within_the_file_is_refused_at_each_of_its_rows(store):
    result = _preview(store, UNITS + f"80,80-BQLA,Ban A,agency,2025-07-01,2026-03-31,80-BQLB,{SOURCE}\n"
                                     f"80,80-BQLB,Ban B,agency,2025-07-01,2026-03-31,80-BQLA,{SOURCE}\n")
    assert not result.ok
    assert _problems(result) == [(2, "successor_code", "circular succession: 80-BQLA → 80-BQLB → 80-BQLA"),
                                 (3, "successor_code", "circular succession: 80-BQLB → 80-BQLA → 80-BQLB")]


def test_a_circle_through_a_stored_unit_is_refused(store, analyst):
    first = _preview(store, UNITS + f"80,80-BQLA,Ban A,agency,2025-07-01,,,{SOURCE}\n"
                                    f"80,80-BQLB,Ban B,agency,2025-07-01,2026-03-31,80-BQLA,{SOURCE}\n")
    assert first.ok, _problems(first)
    commit(store, first, analyst)
    back = _preview(store, UNITS + f"80,80-BQLA,Ban A,agency,2025-07-01,2026-03-31,80-BQLB,{SOURCE}\n")
    assert not back.ok
    assert _problems(back) == [(2, "successor_code", "circular succession: 80-BQLA → 80-BQLB → 80-BQLA")]
    forward = _preview(store, UNITS + f"80,80-BQLA,Ban A,agency,2025-07-01,2026-03-31,80-SNV,{SOURCE}\n")
    assert forward.ok, _problems(forward)           # a line that leads forward is taken
    assert "80-BQLA" in set(store.units(("80", date(2025, 7, 1))).code)
