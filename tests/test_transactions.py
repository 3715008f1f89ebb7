"""A write transaction whose COMMIT fails is rolled back, so later writes still commit."""

from __future__ import annotations

import sqlite3

import pytest

from reportbot.storage.db import ReportStore
from reportbot.storage.errors import StorageError


def test_a_write_whose_commit_fails_is_rolled_back_and_later_writes_commit(tmp_path):
    path = tmp_path / "reports.db"
    store = ReportStore(path)
    store.db.execute("create table parent (id integer primary key)")
    store.db.execute(
        "create table child (parent_id integer references parent (id) "
        "deferrable initially deferred)"
    )
    with pytest.raises(StorageError), store.writing() as db:
        db.execute("insert into child values (7)")  # a deferred key: checked only at COMMIT
    assert not store.db.conn.in_transaction
    with store.writing() as db:
        db.execute("insert into parent values (7)")
    with sqlite3.connect(path) as other:  # another connection sees the later write
        assert other.execute("select count(*) from parent").fetchone() == (1,)
        assert other.execute("select count(*) from child").fetchone() == (0,)
    store.close()
