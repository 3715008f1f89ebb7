"""The request inbox keeps its own migration set: a new database gets the inbox from that
set alone, and a database made before the split keeps its inbox, rows and ids included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from reportbot.storage.db import ReportStore
from reportbot.storage.inbox import InboxStore
from reportbot.storage.migrations import migrations


def inbox_of_an_older_version(path: Path) -> Database:
    """A database as versions before 0007 left it: the reports' set had made the inbox
    (its 0003, keyed by Telegram's update id); the caller adds rows, then opens it."""
    db = Database(path)
    migrations.apply(db, stop_before="0007_inbox_entries")
    db.execute("""create table inbox (update_id integer primary key, payload text not null,
        received_at text not null, done_at text)""")
    db.execute("create index idx_inbox_done_at on inbox (done_at)")
    return db


def applied(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "select migration_set, name from _sqlite_migrations "
            "where migration_set != 'reportbot' order by rowid"
        ).fetchall()


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {name for (name,) in conn.execute("select name from sqlite_master")}


def test_a_new_database_gets_its_inbox_from_the_inbox_set_only(tmp_path):
    path = tmp_path / "new.db"
    store = ReportStore(path)
    assert "inbox" not in tables(path)  # the reports' own set makes no inbox
    inbox = InboxStore(store)
    assert {"inbox", "inbox_delivery", "inbox_done_at"} <= tables(path)
    assert applied(path) == [("reportbot.inbox", "0050_inbox")]
    [entry] = inbox.put(5, [(1, '{"update_id": 1}')])
    assert inbox.pending(5) == [(entry.entry_id, '{"update_id": 1}')]
    InboxStore(store)  # made again: nothing to migrate, nothing lost
    assert applied(path) == [("reportbot.inbox", "0050_inbox")]
    assert inbox.pending(5) == [(entry.entry_id, '{"update_id": 1}')]
    store.close()


def test_a_database_made_before_the_split_keeps_its_inbox(tmp_path):
    path = tmp_path / "old.db"
    old = inbox_of_an_older_version(path)
    old["inbox"].insert_all(
        [
            {"update_id": 7, "payload": '{"update_id": 7}', "received_at": "2026-01-01"},
            {"update_id": 9, "payload": '{"update_id": 9}', "received_at": "2026-01-02"},
        ]
    )
    old.close()
    store = ReportStore(path)  # the reports' set brings the old inbox up to date
    before = store.db.execute("select id, external_id, payload from inbox").fetchall()
    assert [external for _, external, _ in before] == [7, 9]
    inbox = InboxStore(store)  # the inbox set adopts it as it is
    assert store.db.execute("select id, external_id, payload from inbox").fetchall() == before
    assert applied(path) == [("reportbot.inbox", "0050_inbox")]
    assert [payload for _, payload in inbox.pending(3)] == ['{"update_id": 7}', '{"update_id": 9}']
    [again] = inbox.put(3, [(9, '{"update_id":9}')])  # a re-delivery: the stored entry
    assert again.entry_id == before[1][0]
    store.close()
