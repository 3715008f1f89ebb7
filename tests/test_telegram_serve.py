"""`reportbot serve` and `reportbot chat` as users run them, and the example config."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import fields
from pathlib import Path

from fakebot import FakeBotAPI
from telegram_harness import ALICE, seeded_db

from reportbot.bot.config import SECTIONS, Settings, load_settings
from reportbot.bot.core import Event
from reportbot.bot.service import ReportService
from reportbot.bot.terminal import render, terminal_conversation

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"
SCRIPT = Path(sys.executable).parent / "reportbot"
STARTUP = 60.0


def configured(path: Path, **values: str) -> Path:
    """config.example.toml with some keys set (uncommenting them where needed)."""
    text = EXAMPLE.read_text("utf-8")
    for key, value in values.items():
        text, found = re.subn(rf"(?m)^(# )?{key} = .*$", f"{key} = {value}", text, count=1)
        assert found, key
    path.write_text(text, "utf-8")
    return path


def serve_config(path: Path, fake: FakeBotAPI, db: Path, **values: str) -> Path:
    """The example config pointed at a database and at the fake Bot API."""
    return configured(
        path,
        db=json.dumps(str(db)),
        base_url=json.dumps(fake.base_url),
        base_file_url=json.dumps(fake.base_file_url),
        **values,
    )


def test_example_config_documents_every_key_with_a_comment(tmp_path):
    key_line = re.compile(r"^(?:# )?(\w+) = ")
    lines = EXAMPLE.read_text("utf-8").splitlines()
    defaults = Settings()
    known = {f.name for section in SECTIONS for f in fields(getattr(defaults, section))}
    assert {m[1] for line in lines if (m := key_line.match(line))} == known
    for number, line in enumerate(lines):
        if key_line.match(line):  # a key, or a group of keys, follows a comment
            above = number - 1
            while key_line.match(lines[above]) and not lines[above].startswith("#"):
                above -= 1
            assert lines[above].startswith("#"), line
    assert load_settings(EXAMPLE) == Settings(source=str(EXAMPLE))
    assert load_settings(configured(tmp_path / "c.toml", db='"x.db"')).storage.db == "x.db"


def start_serve(config: Path, fake: FakeBotAPI) -> subprocess.Popen:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": fake.token, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [str(SCRIPT), "serve", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    return process.returncode, out + err


def test_serve_answers_over_long_polling_and_stops_cleanly(tmp_path):
    db = seeded_db(tmp_path / "serve.db")
    with FakeBotAPI() as fake:
        config = serve_config(
            tmp_path / "config.toml", fake, db, allowed_users=f"[{ALICE}]", poll_timeout="1.0"
        )
        process = start_serve(config, fake)
        try:
            fake.wait_for_calls("getUpdates", timeout=STARTUP)
            fake.inject_message("支部书记签了几份责任书？")
            [reply] = fake.wait_for_calls("sendMessage")
        finally:
            status, output = stop(process)
    assert "[1]" in reply.params["text"] and "责任书" in reply.params["text"]
    assert fake.calls("setMyCommands")
    assert status == 0, output
    assert fake.token.split(":")[1] not in output
    assert "Application started" in output
    assert re.search(r"connected as @\w+, 5 reports, \d+ chunks", output)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, timeout: float = STARTUP) -> None:
    """PTB asks Telegram for the webhook before its server listens: wait until it does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def post_update(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_serve_uses_a_webhook_when_the_config_names_a_url(tmp_path):
    db = seeded_db(tmp_path / "hook.db")
    port = free_port()
    url = f"http://127.0.0.1:{port}/reportbot"
    with FakeBotAPI() as fake:
        config = serve_config(
            tmp_path / "config.toml",
            fake,
            db,
            allowed_users=f"[{ALICE}]",
            webhook_url=json.dumps(url),
            webhook_port=str(port),
        )
        process = start_serve(config, fake)
        try:
            [hook] = fake.wait_for_calls("setWebhook", timeout=STARTUP)
            secret = hook.params["secret_token"]
            wait_listening(port)
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "text": "作风建设",
                    "from": {"id": ALICE, "is_bot": False, "first_name": "Alice"},
                    "chat": {"id": ALICE, "type": "private", "first_name": "Alice"},
                },
            }
            assert post_update(url, update, "forged") == 403
            assert post_update(url, update, secret) == 200
            [reply] = fake.wait_for_calls("sendMessage")
        finally:
            status, output = stop(process)
    assert hook.params["url"] == url and fake.token not in secret
    assert "[1]" in reply.params["text"] and status == 0, output


def test_chat_reads_stdin_and_prints_the_cores_answer(tmp_path):
    db = seeded_db(tmp_path / "chat.db")
    question = "支部书记签了几份责任书？"
    result = subprocess.run(
        [str(SCRIPT), "--db", str(db), "chat"],
        input=f"{question}\n#1\n",
        capture_output=True,
        text=True,
        timeout=STARTUP,
        check=True,
    )
    service = ReportService.open(db)
    conversation = terminal_conversation(service, load_settings(None))
    [reply] = conversation.handle(Event(0, 0, text=question))
    section = conversation.handle(Event(0, 0, callback_data=reply.buttons[0][0].data))
    service.close()
    assert result.stdout == f"{render([reply])[0]}\n{render(section)[0]}\n"


def test_chat_ends_at_quit(tmp_path):
    db = seeded_db(tmp_path / "chat.db")
    result = subprocess.run(
        [str(SCRIPT), "--db", str(db), "chat"],
        input="/help\n/quit\n支部书记签了几份责任书？\n",
        capture_output=True,
        text=True,
        timeout=STARTUP,
        check=True,
    )
    assert "/docs" in result.stdout and "[1]" not in result.stdout
