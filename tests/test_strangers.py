"""A crowd of strangers cannot make members wait: denials have their own small budget."""

from __future__ import annotations

import sqlite3

from telegram_harness import ALICE, BotHarness, FakeClock


def test_300_strangers_get_five_denials_and_alice_her_answer(tmp_path):
    clock = FakeClock()
    tg = BotHarness(tmp_path, clock=clock)
    try:
        for n in range(300):
            tg.fake.inject_message("作风建设", user_id=50_000 + n)
        tg.fake.inject_message("作风建设")
        tg.fake.wait_for(
            lambda: any(c.params["chat_id"] == ALICE for c in tg.fake.calls("sendMessage")),
            timeout=60,
        )
        tg.fake.wait_for(lambda: pending(tg.db) == 0, timeout=60)
        clock.advance(86_400)  # a day later a stranger is told again
        tg.fake.inject_message("你好", user_id=50_000)
        again = tg.fake.wait_for_calls("sendMessage", 7)[-1]
    finally:
        tg.close()
    sent = tg.fake.calls("sendMessage")
    denials = [c for c in sent[:-1] if c.params["chat_id"] != ALICE]
    assert len(denials) == 5 and all("没有使用权限" in c.params["text"] for c in denials)
    assert again.params["chat_id"] == 50_000 and "没有使用权限" in again.params["text"]


def pending(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*) from inbox where done_at is null").fetchone()[0]
