"""Kill -9 in the middle of work: no question lost or answered twice, no half-stored report."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys

import pytest
from fakebot import FakeBotAPI
from telegram_harness import ALICE, seeded_db
from test_telegram_serve import STARTUP, serve_config, start_serve, stop

QUESTIONS = [
    "支部书记签了几份责任书",
    "党员春训",
    "一述一评",
    "党建带群团",
    "微党课",
    "道德讲堂",
    "选派驻村第一书记",
    "双进双服务",
    "以文辅政",
    "党员积分制管理",
    "打铁必须自身硬",
    "明天会下雨吗",
]
USERS = [ALICE, ALICE + 1, ALICE + 2, ALICE + 3]
SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "tools", "synth_corpus.py")


def answered(fake: FakeBotAPI) -> list:
    return [c for c in fake.calls("sendMessage") if not c.error]


def test_kill_9_mid_burst_loses_no_question(tmp_path):
    db = seeded_db(tmp_path / "crash.db")
    with FakeBotAPI() as fake:
        config = serve_config(
            tmp_path / "config.toml",
            fake,
            db,
            allowed_users=json.dumps(USERS),
            poll_timeout="1.0",
            concurrent_updates="4",
            max_retries="5",
        )
        fake.fail_next("sendMessage", status=429, retry_after=60, count=1000)  # replies stall
        process = start_serve(config, fake)
        try:
            fake.wait_for_calls("getUpdates", timeout=STARTUP)
        except AssertionError:
            stop(process)
            raise
        last = [
            fake.inject_message(q, user_id=USERS[i % len(USERS)])["update_id"]
            for i, q in enumerate(QUESTIONS)
        ][-1]
        fake.wait_for(lambda: fake.confirmed_offset > last, timeout=30)  # fetched and confirmed
        fake.wait_for(lambda: fake.faults, timeout=30)  # answers under way, all held by a 429
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        assert answered(fake) == []
        fake.clear_faults()
        process = start_serve(config, fake)
        try:
            fake.wait_for(lambda: len(answered(fake)) >= len(QUESTIONS), timeout=STARTUP)
        finally:
            code, output = stop(process)
    assert code == 0, output
    assert len(answered(fake)) == len(QUESTIONS)
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        logged = conn.execute("select query from query_log where source = 'telegram'").fetchall()
        pending = conn.execute("select count(*) from inbox where done_at is null").fetchone()[0]
    assert sorted(q for (q,) in logged) == sorted(QUESTIONS)
    assert pending == 0


@pytest.mark.skipif(not os.path.exists(SHARED), reason="../shared/tools/synth_corpus.py not found")
def test_kill_9_during_ingest_keeps_finished_documents_and_resumes(tmp_path):
    corpus, db = tmp_path / "corpus", tmp_path / "ingest.db"
    subprocess.run(
        [sys.executable, SHARED, str(corpus), "--docs", "120"], check=True, capture_output=True
    )
    script = os.path.join(os.path.dirname(sys.executable), "reportbot")
    process = subprocess.Popen(
        [script, "--db", str(db), "ingest", str(corpus)], stdout=subprocess.PIPE, text=True
    )
    for line in process.stdout:  # wait until some documents are in, then kill
        if line.startswith("added: report_000030"):
            break
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        documents = conn.execute("select count(*) from documents where sample = 0").fetchone()[0]
        orphans = conn.execute(
            "select count(*) from documents d where not exists "
            "(select 1 from chunks c where c.doc_id = d.id)"
        ).fetchone()[0]
    assert 30 <= documents < 120 and orphans == 0
    rerun = subprocess.run(
        [script, "--db", str(db), "ingest", str(corpus)], check=True, capture_output=True, text=True
    ).stdout
    assert rerun.count("unchanged: ") == documents
    assert rerun.count("added: ") == 120 - documents


def test_cli_ingest_while_serving_is_answered_without_restart(tmp_path):
    db = seeded_db(tmp_path / "live.db")
    report = tmp_path / "new.txt"
    report.write_text(
        "某新区2025年工作总结\n一、主要工作\n（一）抓学习。开展“蓝天学堂”读书会12次。\n",
        encoding="utf-8",
    )
    script = os.path.join(os.path.dirname(sys.executable), "reportbot")
    with FakeBotAPI() as fake:
        config = serve_config(
            tmp_path / "config.toml", fake, db, allowed_users=f"[{ALICE}]", poll_timeout="1.0"
        )
        process = start_serve(config, fake)
        try:
            fake.wait_for_calls("getUpdates", timeout=STARTUP)
            fake.inject_message("蓝天学堂读书会")
            [before] = fake.wait_for_calls("sendMessage")
            ingest = subprocess.run(
                [script, "--db", str(db), "ingest", str(report)],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert ingest.returncode == 0 and "added: new.txt" in ingest.stdout
            fake.inject_message("蓝天学堂读书会")
            after = fake.wait_for_calls("sendMessage", count=2)[-1]
        finally:
            code, output = stop(process)
    assert "没有找到" in before.params["text"]
    assert "蓝天学堂" in after.params["text"] and "某新区2025年工作总结" in after.params["text"]
    assert code == 0 and "database is locked" not in output
