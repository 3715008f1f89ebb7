"""The service is the one door: the conversation core and the CLI never touch the store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
# telegram_app.py still hands the store to the update inbox (bot/inbox.py), until the inbox
# becomes a store of its own (issue 11).
ADAPTERS = ["core.py", "cli.py", "terminal.py", "views.py", "render.py"]


@pytest.mark.parametrize("name", ADAPTERS)
def test_adapters_do_not_reach_past_the_service(name):
    tree = ast.parse((BOT / name).read_text("utf-8"))
    reaching = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("store", "searcher")
    ]
    assert reaching == [], f"bot/{name} lines {reaching} reach below ReportService"
