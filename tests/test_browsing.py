"""Listing reports newest first with a title filter; dates on the command line checked."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from reportbot.bot.cli import cli
from reportbot.bot.config import parse_settings
from reportbot.bot.core import Conversation, Event


def test_docs_lists_newest_first_and_filters_by_title(db_path, seeds):
    run = CliRunner()
    run.invoke(cli, ["--db", str(db_path), "ingest", str(seeds)], catch_exceptions=False)
    listed = json.loads(
        run.invoke(cli, ["--db", str(db_path), "docs", "--json"], catch_exceptions=False).output
    )
    years = [d["year"] for d in listed]
    assert years == sorted(years, reverse=True) and len(listed) == 5
    same_year = [d["doc_id"] for d in listed if d["year"] == years[0]]
    assert same_year == sorted(same_year, reverse=True)  # then the latest added
    shown = run.invoke(cli, ["--db", str(db_path), "docs", "述职"], catch_exceptions=False)
    assert shown.output.splitlines() == [
        line
        for line in run.invoke(cli, ["--db", str(db_path), "docs"]).output.splitlines()
        if "述职" in line.split("  ")[0]
    ]
    assert len(shown.output.splitlines()) == 1


def test_chat_docs_takes_a_title_word(seeded):
    settings = parse_settings({"access": {"public": True}})
    conv = Conversation(seeded, settings, secret=b"k")
    [reply] = conv.handle(Event(1, 1, "private", text="/docs 述职", bot_username="b"))
    [[only]] = reply.buttons
    assert "述职" in only.text and "共 1 份报告" in reply.text
    [none] = conv.handle(Event(1, 1, "private", text="/docs 不存在<b>", bot_username="b"))
    assert "不存在&lt;b&gt;" in none.text and "还没有导入报告" not in none.text


def test_a_date_that_is_not_a_date_is_one_clear_error(db_path, service):
    CliRunner().invoke(cli, ["--db", str(db_path), "ask", "作风"], catch_exceptions=False)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "export-log", "--since", "11/01"])
    assert result.exit_code == 2
    assert "Invalid value for '--since': '11/01' does not match the format '%Y-%m-%d'" in (
        result.output
    )


def test_since_is_a_day_in_the_configured_time_zone(db_path, service, tmp_path):
    CliRunner().invoke(cli, ["--db", str(db_path), "ask", "作风"], catch_exceptions=False)
    with sqlite3.connect(db_path) as conn:  # 04:00 on 2 March in Beijing
        conn.execute("update query_log set time = '2026-03-01T20:00:00+00:00'")
    utc = tmp_path / "utc.toml"
    utc.write_text('[bot]\ntimezone = "UTC"\n', "utf-8")
    since = ["export-log", "--since", "2026-03-02"]
    beijing = CliRunner().invoke(cli, ["--db", str(db_path), *since], catch_exceptions=False)
    in_utc = ["--db", str(db_path), "--config", str(utc), *since]
    assert "作风" in beijing.output  # the default bot.timezone
    assert CliRunner().invoke(cli, in_utc, catch_exceptions=False).output == ""


def test_sample_reports_are_read_only_with_one_clear_line(db_path, service):
    db = db_path  # an empty database: answers come from the samples
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "ask", "党费"]).exit_code == 0
    for args in (["delete", "3"], ["docs", "set-org", "3", "某单位"]):
        result = runner.invoke(cli, ["--db", str(db), *args])
        assert result.exit_code == 1 and "sample" in result.output, result.output
