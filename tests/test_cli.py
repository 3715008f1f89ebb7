"""The CLI contract that tests and tools rely on, through click's runner and a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from reportbot.bot.cli import cli

HIT_KEYS = {"rank", "score", "chunk_id", "doc_id", "doc_title", "section_path", "kind", "text"}


@pytest.fixture
def run(db_path):
    def invoke(*args, input=None, expect=0):
        result = CliRunner().invoke(
            cli, ["--db", str(db_path), *args], input=input, catch_exceptions=False
        )
        assert result.exit_code == expect, result.output
        return result

    return invoke


@pytest.fixture
def ingested(run, seeds):
    return run("ingest", str(seeds))


def test_ingest_prints_one_line_per_file_with_title_and_counts(ingested):
    lines = [line for line in ingested.output.splitlines() if line.startswith("added: ")]
    assert len(lines) == 5
    assert any("局党组书记党建工作述职报告" in line and "5 parts" in line for line in lines)


def test_second_ingest_reports_unchanged(run, ingested, seeds):
    result = run("ingest", str(seeds))
    assert result.output.count("unchanged: ") == 5


def test_search_json_contract(run, ingested):
    hits = json.loads(run("search", "党员春训", "--json", "-k", "3").output)
    assert 1 <= len(hits) <= 3
    assert set(hits[0]) >= HIT_KEYS
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert isinstance(hits[0]["section_path"], list)
    assert hits[0]["kind"] in {"work", "problem", "plan", "other"}
    assert "春训" in hits[0]["text"]


def test_search_json_is_empty_array_for_out_of_domain(run, ingested):
    assert json.loads(run("search", "明天上海会下雨吗", "--json").output) == []


def test_search_json_lines_from_stdin(run, ingested):
    result = run("search", "--json", input="党员春训\n怎样做红烧肉\n\n一述一评\n")
    arrays = [json.loads(line) for line in result.output.splitlines()]
    assert len(arrays) == 4  # one line per input line, the empty one included
    assert arrays[1] == arrays[2] == [] and arrays[0] and arrays[3]


def test_an_empty_question_is_a_usage_error_and_not_logged(run, ingested):
    assert "the question is empty" in run("search", "   ", expect=2).output
    assert "\nqueries: 0\n" in run("stats").output


def test_search_in_a_document_that_does_not_exist_says_so(run, ingested):
    for args in (["search", "党建", "--doc", "42"], ["search", "--json", "--doc", "42"]):
        result = run(*args, input="党建\n", expect=1)
        assert result.output == "Error: no document with id 42\n", args


def test_search_kind_filter(run, ingested):
    hits = json.loads(run("search", "党支部", "--kind", "problem", "--json").output)
    assert hits and {h["kind"] for h in hits} == {"problem"}


def test_ask_cites_and_says_not_found(run, ingested):
    answer = run("ask", "支部书记签了几份责任书？").output
    assert "[1]" in answer and "›" in answer
    assert "没有找到" in run("ask", "NBA总决赛冠军是谁").output


def test_docs_json_outline_delete(run, ingested):
    docs = json.loads(run("docs", "--json").output)
    assert len(docs) == 5
    assert {"doc_id", "title", "year", "source", "sections", "chunks"} <= set(docs[0])
    outline = run("outline", str(docs[0]["doc_id"])).output
    assert docs[0]["title"] in outline and "（一）" in outline
    run("delete", str(docs[0]["doc_id"]))
    assert len(json.loads(run("docs", "--json").output)) == 4
    assert "no document with id 999" in run("delete", "999", expect=1).output


def test_failed_file_sets_exit_status_but_keeps_good_ones(run, tmp_path, seeds):
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4")
    result = run("ingest", str(bad), str(seeds / "002_3d94340f791ca2d0.txt"), expect=1)
    assert "failed: notes.pdf: not a readable PDF" in result.output
    assert "added: 002_3d94340f791ca2d0.txt" in result.output


def test_stats_names_the_database(run, db_path, ingested):
    output = run("stats").output
    assert f"database: {db_path}" in output
    assert "documents: 5" in output


def test_samples_answer_an_empty_database_and_say_so(run, service):
    answer = run("ask", "签了几份党风廉政建设责任书").output
    assert "示例报告" in answer and "[1]" in answer


def test_db_from_environment(tmp_path, monkeypatch):
    target = tmp_path / "env.db"
    monkeypatch.setenv("REPORTBOT_DB", str(target))
    CliRunner().invoke(cli, ["synonyms", "add", "拍板", "研究决定"], catch_exceptions=False)
    result = CliRunner().invoke(cli, ["stats"], catch_exceptions=False)
    assert f"database: {target}" in result.output


def test_console_script_runs_as_a_subprocess(db_path, seeds):
    env = {**os.environ, "REPORTBOT_DB": str(db_path)}
    script = os.path.join(os.path.dirname(sys.executable), "reportbot")
    subprocess.run([script, "ingest", str(seeds)], check=True, env=env, capture_output=True)
    out = subprocess.run(
        [script, "search", "一述一评", "--json"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert json.loads(out)[0]["doc_title"] == "局党组书记党建工作述职报告"


def test_backup_is_a_working_copy_and_never_overwrites(run, ingested, tmp_path):
    target = tmp_path / "backups" / "copy.db"
    target.parent.mkdir()  # a missing folder is refused (tests/test_first_use.py)
    assert "backed up" in run("backup", str(target)).output
    copy = CliRunner().invoke(
        cli, ["--db", str(target), "search", "一述一评", "--json"], catch_exceptions=False
    )
    assert json.loads(copy.output)[0]["doc_title"] == "局党组书记党建工作述职报告"
    assert "already exists" in run("backup", str(target), expect=1).output


def test_export_log_with_feedback(run, ingested, db_path):
    from reportbot.storage.db import ReportStore
    from reportbot.storage.querylog import QueryLog

    run("search", "党员春训")
    run("search", "怎样做红烧肉")
    store = ReportStore(db_path)
    log = QueryLog(store)
    first = next(log.export_log()).id
    log.add_feedback(first, 7, -1)
    store.close()
    rows = [json.loads(line) for line in run("export-log").output.splitlines()]
    assert [r["query"] for r in rows] == ["党员春训", "怎样做红烧肉"]
    assert rows[0]["downvotes"] == 1 and rows[1]["results"] == 0
    csv_lines = run("export-log", "--format", "csv", "--since", "2000-01-01").output.splitlines()
    assert csv_lines[0].startswith("id,time,source") and len(csv_lines) == 3
    assert run("export-log", "--since", "2999-01-01").output == ""


@pytest.mark.parametrize(
    "setting, message",
    [
        ("[search]\nresults = 0", "search.results must be 1–100"),
        ("[bot]\ndigest_weekday = 7", "bot.digest_weekday must be 0"),
        ("[bot]\ndigest_time = '25:00'", "bot.digest_time must be HH:MM"),
        ("[bot]\ntimezone = 'Mars/Olympus'", "bot.timezone must be a time zone name"),
        ("[telegram]\nwebhook_port = 0", "telegram.webhook_port must be 1–65535"),
    ],
)
def test_out_of_range_settings_are_one_line_for_every_command(tmp_path, setting, message):
    config = tmp_path / "config.toml"
    config.write_text(setting, encoding="utf-8")
    for command in (["stats"], ["search", "党建"], ["ask", "党建"]):
        result = CliRunner().invoke(cli, ["--config", str(config), *command])
        assert result.exit_code == 1 and message in result.output
        assert "Traceback" not in result.output


def test_stats_and_outline_as_json_and_log_levels(seeded, db_path):
    def run(*args):
        return CliRunner().invoke(
            cli,
            ["--db", str(db_path), *args],
            catch_exceptions=False,
        )

    figures = json.loads(run("stats", "--json").output)
    assert figures["documents"] == 5 and figures["chunks"] > 100
    doc_id = seeded.documents()[0].doc_id
    outline = json.loads(run("outline", str(doc_id), "--json").output)
    assert outline["doc_id"] == doc_id and {s["kind"] for s in outline["sections"]} >= {"work"}
    assert run("-q", "search", "党建").exit_code == 0 and run("-vv", "docs").exit_code == 0


def test_log_levels_after_the_subcommand_as_on_the_group(tmp_path):
    """The first search of a new database builds its index and logs so at INFO."""
    report = tmp_path / "r.txt"
    report.write_text("某局2024年工作总结\n一、主要工作\n开展主题党日12次。\n", "utf-8")
    db = str(tmp_path / "reports.db")
    script = os.path.join(os.path.dirname(sys.executable), "reportbot")

    def logged(*args: str) -> bool:
        for sidecar in tmp_path.glob("reports.db.*.npz"):
            sidecar.unlink()
        done = subprocess.run([script, *args], capture_output=True, text=True, check=True)
        assert "主题党日" in done.stdout
        return "INFO reportbot.storage.index: rebuilding the search index" in done.stderr

    subprocess.run([script, "--db", db, "ingest", str(report)], check=True, capture_output=True)
    assert not logged("--db", db, "search", "主题党日")
    assert logged("--db", db, "search", "主题党日", "-v")
    assert logged("--db", db, "search", "-v", "主题党日")
    assert logged("-v", "--db", db, "search", "主题党日")
    assert not logged("--db", db, "search", "主题党日", "-v", "-q")


def test_progress_bar_has_the_real_length_and_lines_do_not_break_it(db_path, seeds):
    """On a terminal, stderr shows `ingesting … 5/5`; each file's line erases the bar first."""
    import pty

    leader, follower = pty.openpty()
    script = os.path.join(os.path.dirname(sys.executable), "reportbot")
    done = subprocess.run(
        [script, "--db", str(db_path), "ingest", str(seeds)],
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
        timeout=120,
    )
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the other end is closed: all read
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 6
    shown = terminal.decode()
    assert "5/5" in shown and "/0" not in shown
    assert shown.count("\r\x1b[K") == 5
