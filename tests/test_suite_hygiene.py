"""The suite holds no assertion that cannot fail: ``assert len(x) >= 0`` (or any call ``>= 0``) is always true, and
``assert all(... for x in xs)`` passes on an empty ``xs`` unless the same assert first checks that it is not."""

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _vacuous(test: ast.expr) -> str | None:
    """Why ``assert test`` cannot fail, or None."""
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.GtE)
            and isinstance(test.left, ast.Call) and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == 0):
        return "a count or call compared >= 0 is always true"
    first = test.values[0] if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else test
    if (isinstance(first, ast.Call) and isinstance(first.func, ast.Name) and first.func.id == "all"
            and first.args and isinstance(first.args[0], ast.GeneratorExp)):
        return "all() over a generator is true when it is empty: check it is not empty first, in the same assert"
    return None


def vacuous_asserts(source: str, name: str = "<test>") -> list[str]:
    return [f"{name}:{node.lineno}: {why}" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Assert) and (why := _vacuous(node.test))]


def test_the_check_finds_the_patterns_and_passes_their_fixes():
    assert len(vacuous_asserts("assert len(xs) >= 0\nassert check(at) >= 0\n"
                               "assert all(x for x in xs)\nassert all(x for x in xs) and ys\n")) == 4
    assert vacuous_asserts("assert xs and all(x for x in xs)\nassert check(at) > 0\nassert n >= 0\n"
                           "assert len(xs) >= 1\nassert any(x for x in xs)\nassert all([a, b])\n") == []


def test_no_test_module_asserts_what_cannot_fail():
    modules = sorted(TESTS.glob("*.py"))
    assert len(modules) > 10
    found = [line for path in modules for line in vacuous_asserts(path.read_text(encoding="utf-8"), path.name)]
    assert found == []


def test_the_slow_list_is_made_from_a_run_s_durations():
    """tests/timings.py: a test is listed when one case of it took THRESHOLD seconds or more (setup, call and
    teardown together), by its file and function."""
    from tests.timings import slow_in, test_id

    output = ("===== slowest durations =====\n1.20s call     tests/test_a.py::test_x[vi]\n"
              "0.30s setup    tests/test_a.py::test_y\n0.80s call     tests/test_a.py::test_y\n"
              "0.10s call     tests/test_b.py::test_z\n")
    assert slow_in(output) == ["tests/test_a.py::test_x", "tests/test_a.py::test_y"]
    assert test_id("tests/test_a.py::test_x[a-b]") == "tests/test_a.py::test_x"
