"""The shipped samples answer a new database without being written into it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner
from sqlite_utils import Database

from reportbot.bot.cli import cli
from reportbot.bot.samples import cache_dir
from reportbot.bot.service import ReportService
from reportbot.storage.db import ReportStore
from reportbot.storage.migrations import migrations

SAMPLES = Path(__file__).resolve().parents[1] / "storage" / "samples"
QUESTION = "支部书记签了几份责任书？"


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_new_database_answers_from_the_samples_without_holding_them(db_path, service):
    db = db_path  # new and empty
    result = CliRunner().invoke(cli, ["--db", str(db), "ask", QUESTION], catch_exceptions=False)
    assert "示例报告" in result.output and "13份" in result.output
    assert rows(db, "select count(*) from documents") == [(0,)]
    assert rows(db, "select count(*) from chunks") == [(0,)]
    assert rows(db, "select query from query_log") == [(QUESTION,)]


def test_every_sample_file_is_served(tmp_path):
    with ReportService.open(tmp_path / "new.db") as rb:
        listed = rb.documents()
        figures = rb.stats()
    assert len(listed) == len(list(SAMPLES.glob("*.txt"))) == figures.sample_documents
    assert all(d.sample for d in listed) and figures.documents == 0


def test_the_first_report_gets_id_1_and_the_samples_step_aside(db_path, seeds):
    with ReportService.open(db_path) as rb:
        assert rb.search(QUESTION).from_samples
        [added] = rb.ingest([seeds / "000_40057f9b2783dadc.txt"])
        response = rb.search("党建工作")
        assert added.doc_id == 1 and [d.doc_id for d in rb.documents()] == [1]
        rb.delete(1)
        after_delete = rb.search("党建工作")
    assert not response.from_samples and {h.doc_id for h in response.hits} == {1}
    assert rows(db_path, "select min(id) from chunks") == [(None,)]
    assert not after_delete.from_samples and after_delete.hits == ()  # deleted: not new again


def test_the_sample_database_is_built_once_in_the_cache_folder(tmp_path):
    with ReportService.open(tmp_path / "a.db") as first:
        first.search(QUESTION)
    [built] = cache_dir().glob("samples-*.db")
    stamp = built.stat().st_mtime_ns
    with ReportService.open(tmp_path / "b.db") as second:
        assert second.search(QUESTION).from_samples
    assert list(cache_dir().glob("samples-*")) == [built] and built.stat().st_mtime_ns == stamp


def older_database(path: Path, user_report: bool) -> None:
    """A database as earlier versions left it: the samples stored in it as documents 1-2."""
    db = Database(path)
    migrations.apply(db, stop_before="0011_samples_apart")
    docs = [(1, 1), (2, 1)] + ([(3, 0)] if user_report else [])
    for doc_id, sample in docs:
        db["documents"].insert(
            {
                "id": doc_id,
                "title": f"报告{doc_id}",
                "source": f"sample:{doc_id}" if sample else f"/r/{doc_id}.txt",
                "content_hash": str(doc_id),
                "format": "txt",
                "sample": sample,
                "ingested_at": "2026-01-01T00:00:00+00:00",
            }
        )
        db["chunks"].insert(
            {"id": doc_id, "doc_id": doc_id, "position": 0, "section": 0, "path": "[]"}
            | {"kind": "work", "text": f"党建工作{doc_id}", "tokens": "党建 工作"}
        )
    db.execute("update meta set value = ? where key = 'next_doc_id'", [str(len(docs) + 1)])
    db.execute("update meta set value = ? where key = 'next_chunk_id'", [str(len(docs) + 1)])
    db.conn.commit()
    db.close()


def test_an_older_database_loses_its_sample_rows_and_numbers_from_1(tmp_path, seeds):
    db = tmp_path / "old.db"
    older_database(db, user_report=False)
    with ReportService.open(db) as rb:
        assert rb.search(QUESTION).from_samples
        [added] = rb.ingest([seeds / "000_40057f9b2783dadc.txt"])
    assert added.doc_id == 1
    assert rows(db, "select count(*) from documents where sample = 1") == [(0,)]


def test_an_older_database_with_reports_keeps_them_and_their_ids(tmp_path):
    db = tmp_path / "old.db"
    older_database(db, user_report=True)
    store = ReportStore(db)
    assert [d.doc_id for d in store.documents()] == [3]
    assert [c.chunk_id for c in store.document_chunks(3)] == [3]
    store.close()
    with ReportService.open(db) as rb:
        hits = rb.search("党建工作").hits
    assert [h.doc_id for h in hits] == [3]


def test_a_sample_passage_button_pressed_after_the_first_report_is_gone(db_path, seeds):
    from reportbot.bot.config import parse_settings
    from reportbot.bot.core import Conversation, Event

    with ReportService.open(db_path) as rb:
        conv = Conversation(rb, parse_settings({"access": {"public": True}}), secret=b"k")
        replies = conv.handle(Event(1, 1, "private", text=QUESTION, bot_username="b"))
        section = next(b for r in replies for row in r.buttons for b in row if b.text == "📄 1")
        rb.ingest([seeds])
        [notice] = conv.handle(Event(1, 1, "private", callback_data=section.data))
    assert notice.alert and "已被删除" in notice.text


def test_samples_still_answer_when_the_cache_folder_cannot_be_made(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with ReportService.open(tmp_path / "new.db") as rb:
        response = rb.search(QUESTION)
    assert response.from_samples and "13份" in response.hits[0].text
    assert blocker.read_text("utf-8") == "x"
