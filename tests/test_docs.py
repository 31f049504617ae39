"""The README as a front door (issue 27): short, opening with the two commands `.ci/run` and tests/test_gate.py
read, mapping every guide of docs/; and every relative link of README.md and docs/*.md reaching a file (and a
heading, when it names one)."""

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.backend_free   # reads files only: run once, in the DuckDB run (see conftest.py)

DOCS = REPO / "docs"
MARKDOWN = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text without markup, lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, seen = set(), {}
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    text = CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    return [target for target in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def test_the_readme_is_at_most_300_lines():
    assert len(_readme().splitlines()) <= 300


def test_the_readme_opens_with_the_two_commands_the_ci_runs():
    lines = _readme().splitlines()
    assert lines[0].startswith("# ") and lines[1] == ""
    assert [lines[2], lines[4], lines[5], lines[6], lines[8]] == ["```sh", "```", "", "```sh", "```"]
    start, test = lines[3], lines[7]
    assert "python3 -m indicators build --if-needed" in start and start.endswith("python3 -m streamlit run app.py")
    # the logic of tests/test_gate.py: the second ```sh block is the one .ci/run runs
    assert _readme().split("```sh\n")[2].split("\n```")[0] == test
    assert "python3 -m tests" in test
    assert f"if ! ( {test} ); then" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_maps_every_guide_and_the_screenshot_script():
    linked = {(REPO / target.split("#")[0]).resolve() for target in relative_links(REPO / "README.md")}
    guides = {*DOCS.glob("*.md"), DOCS / "screenshots.py"}
    assert guides, "docs/ holds no guide"
    assert sorted(p.name for p in guides if p.resolve() not in linked) == []
    assert any(target.endswith("screenshots/overview.png") for target in relative_links(REPO / "README.md"))


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(path):
    targets = relative_links(path)
    broken = []
    for target in targets:
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.is_file():
            broken.append(target)
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(target)
    assert broken == []


def test_the_links_are_read_as_github_reads_them():
    """The checker itself: a link in code is no link, an anchor is the heading's GitHub slug."""
    assert slug("The periodic report / Báo cáo định kỳ") == "the-periodic-report--báo-cáo-định-kỳ"
    assert slug("Unit scale (`python3 -m bench.units`)") == "unit-scale-python3--m-benchunits"
    sample = "[a](a.md) ![b](img/b.png) `[c](c.md)` [d](https://example.org)\n```\n[e](e.md)\n```\n"
    assert LINK.findall(CODE.sub("", FENCE.sub("", sample))) == ["a.md", "img/b.png", "https://example.org"]


def test_every_page_has_a_screenshot_made_by_the_script():
    script = (DOCS / "screenshots.py").read_text(encoding="utf-8")
    shots = set(re.findall(r'^\s+"([a-z-]+)": "', script, re.M))
    pages = {page.stem for page in (REPO / "pages").glob("*.py")}
    assert pages and pages <= shots, pages - shots
    assert sorted(name for name in shots if not (DOCS / "screenshots" / f"{name}.png").is_file()) == []
