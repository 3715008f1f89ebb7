"""A database path given by the user that names no file: commands that only look refuse it
(a typo must not become an empty database), commands that add reports or votes create it,
and the per-user default is created on first use (the README's quick start)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reportbot.bot.cli import cli

LOOKING = [
    ["ask", "作风建设"],
    ["search", "作风建设"],
    ["chat"],
    ["stats"],
    ["docs"],
    ["outline", "1"],
    ["synonyms", "list"],
    ["synonyms", "remove", "拍板"],
    ["feedback", "list"],
    ["feedback", "clear"],
    ["delete", "1"],
    ["docs", "set-org", "1", "某局"],
    ["export-log"],
    ["backup", "copy.db"],
    ["compare", "作风建设"],
    ["reuse", "1"],
    ["facts", "一共开展了多少次主题党日"],
]


def run(*args: str, env: dict[str, str] | None = None, expect: int = 0):
    result = CliRunner().invoke(cli, list(args), env=env, input="", catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result


def default_db() -> Path:
    return Path(click.get_app_dir("reportbot")) / "reportbot.db"


@pytest.mark.parametrize("command", LOOKING, ids=" ".join)
def test_a_command_that_only_looks_refuses_a_mistyped_db(tmp_path, command):
    typo = tmp_path / "typo.db"
    result = run("--db", str(typo), *command, expect=1)
    assert result.output == (
        f"Error: {typo}: no such database (check the path, or ingest reports into it first)\n"
    )
    assert not typo.exists() and not default_db().exists()


def test_the_environment_and_the_config_name_a_database_as_explicitly_as_db(tmp_path):
    typo = tmp_path / "typo.db"
    run("ask", "作风建设", env={"REPORTBOT_DB": str(typo)}, expect=1)
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndb = "{typo}"\n', "utf-8")
    result = run("--config", str(config), "search", "作风建设", expect=1)
    assert "no such database" in result.output and not typo.exists()


def test_commands_that_add_user_data_create_the_database(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("某局2024年工作总结\n一、主要工作\n开展主题党日12次。\n", "utf-8")
    for name, command in [
        ("ingested.db", ["ingest", str(report)]),
        ("synonyms.db", ["synonyms", "add", "拍板", "研究决定"]),
        ("votes.db", ["feedback", "主题党日", "1000000001", "up", "--user", "ann"]),
    ]:
        db = tmp_path / name
        run("--db", str(db), *command)
        assert db.exists(), command
    assert "主题党日" in run("--db", str(tmp_path / "ingested.db"), "ask", "主题党日").output


def test_the_per_user_default_database_is_created_on_first_use():
    assert not default_db().exists()
    assert "内置的示例报告" in run("ask", "支部书记签了几份责任书？").output
    assert default_db().exists()
