"""docs/architecture.md's module table matches the tree under src/promptgen/."""

from __future__ import annotations

import re

from tests.conftest import REPO

PACKAGE = REPO / "src" / "promptgen"
# A package's __init__.py is listed when it holds code of its own, not only a docstring.
CODE_IN_INIT_LINES = 30


def _table_modules() -> list[str]:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Modules", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([\w/]+\.py)` \|", section, flags=re.M)


def _tree_modules() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        is_init = path.name == "__init__.py" and relative != "__init__.py"
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if not is_init or lines > CODE_IN_INIT_LINES:
            found.add(relative)
    return found


def test_every_module_is_in_the_table_and_every_row_is_a_module() -> None:
    listed = _table_modules()
    assert len(listed) == len(set(listed)), "a module is listed twice"
    missing = sorted(_tree_modules() - set(listed))
    stale = sorted(m for m in listed if not (PACKAGE / m).is_file())
    assert (missing, stale) == ([], [])


def test_every_stage_protocol_is_described() -> None:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    source = (PACKAGE / "stages.py").read_text(encoding="utf-8")
    for protocol in re.findall(r"^class (\w+)\(Protocol\):", source, flags=re.M):
        assert f"| `{protocol}` |" in text, protocol
