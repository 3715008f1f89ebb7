"""Each layer imports only what the README's diagram says; the service is the one door.

retrieval/ is pure (no storage, bot, telegram or click; of the top-level package only
`reportbot.errors`), storage/ knows no bot or transport, and in bot/ only the service
(service.py; ingesting.py, voting.py and memory.py: the concerns ReportService is made
of; samples.py: the sample corpus it opens) imports storage: every adapter goes through ReportService and never
reaches `.store`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "retrieval": ("reportbot.bot", "reportbot.storage", "telegram", "click", "sqlite_utils"),
    "storage": ("reportbot.bot", "telegram", "click"),
    "bot": ("reportbot.storage",),
}
BELOW_THE_SERVICE = ("store", "log", "searcher")  # the service's own attributes, not its API
# ReportService: service.py and the concerns it is composed of (mixins: ingest, passage
# votes, the cross-report memory), and the sample corpus it opens.
DOOR = tuple(
    ROOT / "bot" / name
    for name in ("service.py", "ingesting.py", "voting.py", "memory.py", "samples.py")
)


def modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, relative ones resolved."""
    return imports_in(path.read_text("utf-8"), ["reportbot", *path.relative_to(ROOT).parent.parts])


def imports_in(source: str, package: list[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            found += [(node.lineno, name)]
            if not node.module:  # from .. import errors
                found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_the_diagram_allows(layer):
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules(layer)
        if path not in DOOR
        for line, name in imported(path)
        if name.startswith(FORBIDDEN[layer])
    ]
    assert wrong == []


def test_retrieval_takes_only_the_error_base_from_the_package():
    outside = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules("retrieval")
        for line, name in imported(path)
        if name.startswith("reportbot")
        and not name.startswith("reportbot.retrieval")
        and name not in ("reportbot", "reportbot.errors", "reportbot.errors.ReportbotError")
    ]
    assert outside == []


@pytest.mark.parametrize("path", [p for p in modules("bot") if p not in DOOR], ids=lambda p: p.name)
def test_adapters_do_not_reach_past_the_service(path):
    tree = ast.parse(path.read_text("utf-8"))
    reaching = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in BELOW_THE_SERVICE
    ]
    assert reaching == [], f"{path.name} lines {reaching} reach below ReportService"


def test_relative_imports_are_resolved_so_a_leak_is_seen():
    source = "from ..storage.db import ReportStore\nfrom .. import errors\n"
    assert imports_in(source, ["reportbot", "bot"]) == [
        (1, "reportbot.storage.db"),
        (2, "reportbot"),
        (2, "reportbot.errors"),
    ]
