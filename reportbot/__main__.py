"""`python -m reportbot`: the same command as the `reportbot` console script."""

from .bot.cli import cli

cli(prog_name="reportbot")
