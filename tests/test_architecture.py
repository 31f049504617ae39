"""The architecture the build checks (issue 13): lint, the import contracts, SQL only under the storage seam,
no module too long to read."""

import ast
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.backend_free   # run once, in the DuckDB run (see conftest.py)

CODE = sorted([*(REPO / "indicators").rglob("*.py"), *(REPO / "pages").glob("*.py"), REPO / "app.py"])
STORAGE = REPO / "indicators" / "storage"
# a source adapter that reads a third party's own SQLite file (vietnamadminunits' dataset), never the store
THIRD_PARTY_SQL = {REPO / "indicators" / "reference" / "sources" / "communes.py"}
# the code writes SQL keywords in capitals
SQL = re.compile(r"^\s*(SELECT\b.+\bFROM\b|INSERT\s+INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|"
                 r"CREATE\s+(TABLE|SEQUENCE)\b|ALTER\s+TABLE\b|BEGIN\b|COMMIT\b|ROLLBACK\b)", re.DOTALL)


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or pytest.skip("ruff is installed by requirements-dev.txt")
    done = subprocess.run([ruff, "check", "--no-cache", str(REPO)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_import_contracts_hold():
    """pyproject.toml's contracts: pages and the web layer above the engine and views, those above the storage
    seam; only the seam imports the driver and no one above it imports a backend; the domain rules import
    neither storage nor the web layer; no cycles."""
    lint = shutil.which("lint-imports") or pytest.skip("import-linter is installed by requirements-dev.txt")
    done = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_sql_is_written_only_under_the_storage_seam():
    found = []
    for path in CODE:
        if STORAGE in path.parents or path in THIRD_PARTY_SQL:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value.strip()[:60]}")
    assert found == []


def test_the_check_would_find_sql_outside_the_seam():
    assert SQL.match("SELECT count(*) FROM actual") and SQL.match("\n  INSERT INTO x VALUES (1)")
    assert not SQL.match("Select a province from the list")


MODULE_LINES, FUNCTION_LINES = 400, 60   # issue 27: ruff has no rule for either, so this test holds them


def _long_functions(source: str, where: str) -> dict[str, int]:
    """Every function (method, nested function) of ``source`` longer than FUNCTION_LINES, by name and length."""
    return {f"{where}:{node.lineno} {node.name}": length for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and (length := node.end_lineno - node.lineno + 1) > FUNCTION_LINES}


def test_no_module_is_too_long_to_read():
    long = {str(p.relative_to(REPO)): n for p in CODE
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MODULE_LINES}
    assert len(CODE) > 100 and long == {}


def test_no_function_is_too_long_to_read():
    long: dict[str, int] = {}
    for path in CODE:
        long |= _long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    assert long == {}


def test_the_length_check_would_find_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES))
    assert list(_long_functions(f"def f():\n{body}\n", "m.py")) == ["m.py:1 f"]
    assert _long_functions("def g():\n    return 1\n", "m.py") == {}


def test_the_package_is_installed_not_put_on_the_path():
    done = subprocess.run([sys.executable, "-c", "import indicators, sys; print(indicators.__file__)"],
                          capture_output=True, text=True, cwd="/")
    assert done.returncode == 0 and done.stdout.strip() == str(REPO / "indicators" / "__init__.py")
    for path in [*CODE, *(REPO / "bench").glob("*.py"), *(REPO / "tests").glob("*.py")]:
        assert "sys.path.insert" not in path.read_text(encoding="utf-8").replace('"sys.path.insert"', ""), path


def _backend_classes(package: str) -> list[type]:
    """Every class defined in a module of ``package`` (imported, so that its bases are the real ones)."""
    import importlib
    import inspect
    import pkgutil

    root = importlib.import_module(package)
    found = []
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        module = importlib.import_module(info.name)
        found += [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
    return found


def _borrowed(classes: list[type], other: str) -> list[str]:
    """Each class whose method resolution order holds a class defined under the package ``other``."""
    return [f"{c.__module__}.{c.__name__} <- {base.__module__}.{base.__name__}" for c in classes
            for base in c.__mro__ if base.__module__ == other or base.__module__.startswith(other + ".")]


@pytest.mark.parametrize("backend, other", [("indicators.storage.pg", "indicators.storage.duck"),
                                            ("indicators.storage.duck", "indicators.storage.pg")])
def test_no_backend_class_inherits_from_the_other_backend(backend, other):
    """Issue 27: PostgreSQL by composition. Both backends implement ``storage.backend.Backend`` and the store is
    written once (``storage.sql``); no class of one backend has a class of the other among its bases."""
    from indicators.storage.backend import Backend

    classes = _backend_classes(backend)
    assert any(issubclass(c, Backend) for c in classes)        # the walk found the backend itself
    assert _borrowed(classes, other) == []


def test_the_inheritance_check_would_find_a_borrowed_base():
    from indicators.storage.duck.backend import DuckBackend

    class Borrowing(DuckBackend):      # what PostgresStore(PgReads, DuckDBStore) was before issue 27
        pass

    Borrowing.__module__ = "indicators.storage.pg.example"
    assert _borrowed([Borrowing], "indicators.storage.duck") == [
        "indicators.storage.pg.example.Borrowing <- indicators.storage.duck.backend.DuckBackend"]
