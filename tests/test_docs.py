"""docs/cli.md is the CLI's own --help, command by command; this test keeps the two equal.

Regenerate after changing a command: `python tests/test_docs.py`.
"""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from reportbot.bot.cli import cli

CLI_MD = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under a group, in order, groups before their subcommands."""
    found = []
    for name in sorted(group.commands):
        path = (*prefix, name)
        found.append(path)
        command = group.commands[name]
        if isinstance(command, click.Group):
            found.extend(commands(command, path))
    return found


def render_cli_reference() -> str:
    runner = CliRunner()
    parts = [
        "# Command-line reference",
        "",
        "Generated from `reportbot … --help` (see tests/test_docs.py); do not edit by hand.",
        "",
        "```",
        runner.invoke(cli, ["--help"], prog_name="reportbot", terminal_width=80).output.rstrip(),
        "```",
    ]
    for path in commands(cli):
        help_text = runner.invoke(
            cli, [*path, "--help"], prog_name="reportbot", terminal_width=80
        ).output
        parts += ["", f"## reportbot {' '.join(path)}", "", "```", help_text.rstrip(), "```"]
    return "\n".join(parts) + "\n"


def test_cli_reference_is_up_to_date():
    assert CLI_MD.read_text("utf-8") == render_cli_reference(), (
        "docs/cli.md is stale: run python tests/test_docs.py"
    )


def test_every_command_has_help_with_an_example():
    for path in commands(cli):
        command = cli
        for name in path:
            command = command.commands[name]
        assert command.help and "Example" in command.help, path


if __name__ == "__main__":
    CLI_MD.write_text(render_cli_reference(), "utf-8")
