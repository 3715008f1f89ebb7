"""One error base for the package, one per layer; the CLI shows any of them as one line."""

from __future__ import annotations

import os
import sqlite3

import pytest
from click.testing import CliRunner

from reportbot import ReportbotError
from reportbot.bot.cli import cli, one_line
from reportbot.bot.config import ConfigError
from reportbot.bot.errors import BotError
from reportbot.retrieval.bm25 import IndexFileError
from reportbot.retrieval.errors import DocumentError, RetrievalError
from reportbot.storage.errors import DamagedError, StorageError


@pytest.mark.parametrize(
    ("error", "layer_base"),
    [
        (DocumentError, RetrievalError),
        (IndexFileError, RetrievalError),
        (DamagedError, StorageError),
        (ConfigError, BotError),
    ],
)
def test_every_error_has_its_layers_base_and_the_package_base(error, layer_base):
    assert issubclass(error, layer_base) and issubclass(layer_base, ReportbotError)


def one_error_line(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 1, result.output
    [line] = result.output.strip().splitlines()
    return line


@pytest.fixture
def unwritable_folder(tmp_path, tmpfs):
    """A folder that cannot be written: a read-only mount as root, mode 555 otherwise."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o555)
        yield folder
        folder.chmod(0o755)
        return
    mount = tmpfs("1m")
    mount.make_read_only()
    yield mount.path


def test_a_database_in_a_folder_that_cannot_be_written_is_one_line(unwritable_folder):
    db = unwritable_folder / "reports.db"
    for command in (["ingest", str(db)], ["synonyms", "add", "拍板", "研究决定"]):
        line = one_error_line("--db", str(db), *command)
        assert line == f"Error: {db}: cannot create a database there (the folder is read-only)"
    assert not db.exists()


def test_a_file_where_the_folder_should_be_is_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("笔记", "utf-8")
    db = tmp_path / "notes.txt" / "reports.db"
    line = one_error_line("--db", str(db), "synonyms", "add", "拍板", "研究决定")
    assert line == f"Error: {db}: {tmp_path / 'notes.txt'} is not a folder"


def test_raw_sqlite_and_file_errors_name_the_file_they_are_about(tmp_path):
    db = tmp_path / "reports.db"
    damaged = one_line(sqlite3.DatabaseError("file is not a database"), db)
    assert damaged == f"{db} is not a reportbot database, or is damaged (file is not a database)"
    denied = PermissionError(13, "Permission denied", str(tmp_path / "backup.db"))
    assert one_line(denied, db) == f"{tmp_path / 'backup.db'}: Permission denied"
