"""The Python API: one top-level package, the same version everywhere, `python -m reportbot`."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

import reportbot
from reportbot import ReportService
from reportbot.bot.cli import cli


def test_service_opens_as_a_context_manager_and_closes(db_path, seeds):
    with ReportService.open(db_path) as rb:
        added = rb.ingest([seeds / "000_40057f9b2783dadc.txt"])
        hits = rb.search("支部书记签了几份责任书？").hits
    assert [r.status for r in added] == ["added"]
    assert hits and hits[0].doc_id == added[0].doc_id
    with ReportService.open(db_path) as again:
        assert [d.doc_id for d in again.documents()] == [added[0].doc_id]


def test_version_is_the_same_in_python_and_on_the_command_line():
    shown = CliRunner().invoke(cli, ["--version"], catch_exceptions=False).output
    assert shown.strip() == f"reportbot, version {reportbot.__version__}"


def test_python_dash_m_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "reportbot", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"reportbot, version {reportbot.__version__}"


def test_importing_the_search_core_loads_neither_storage_nor_the_bot():
    code = (
        "import sys, reportbot.retrieval.search; "
        "print(sorted(m for m in sys.modules if m.startswith(('reportbot.bot', "
        "'reportbot.storage'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_unknown_names_are_attribute_errors():
    assert not hasattr(reportbot, "ReportStore")
