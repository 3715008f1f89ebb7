"""Telegram's update ids start over: new questions are answered and old log rows stay put."""

from __future__ import annotations

import sqlite3

from telegram_harness import button, only


def logged(db) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select id, query from query_log order by id").fetchall()


def test_restarted_update_ids_are_new_questions_and_old_rows_are_kept(tg):
    first = [only(tg.say(q), "sendMessage") for q in ("作风建设", "党员发展", "微党课")]
    before = logged(tg.db)
    tg.fake.restart_update_ids()  # a reset Bot API server: ids 1, 2, 3 again
    again = [only(tg.say(q), "sendMessage") for q in ("道德讲堂", "党员春训", "以文辅政")]
    assert all("[1]" in reply.params["text"] for reply in again)
    assert [tg.last["update_id"]] == [3]
    after = logged(tg.db)
    assert after[:3] == before and [q for _, q in after[3:]] == ["道德讲堂", "党员春训", "以文辅政"]
    # an old answer's buttons still point at its own question
    page = tg.press(button(first[0], "下一页")["callback_data"])
    assert "作风" in page[-1].params["text"]
    vote = only(tg.press(button(first[1], "👍")["callback_data"]), "answerCallbackQuery")
    assert "已记录" in vote.params["text"]
    with sqlite3.connect(tg.db) as conn:
        [(voted,)] = conn.execute(
            "select q.query from feedback f join query_log q on q.id = f.query_log_id"
        ).fetchall()
    assert voted == "党员发展"


def test_an_older_database_keeps_its_inbox_and_log_links(tmp_path):
    from test_inbox_migrations import inbox_of_an_older_version

    from reportbot.storage.db import ReportStore
    from reportbot.storage.inbox import InboxStore

    path = tmp_path / "old.db"
    old = inbox_of_an_older_version(path)
    old["inbox"].insert_all(
        [
            {
                "update_id": 7,
                "payload": '{"update_id": 7}',
                "received_at": "2026-01-01T00:00:00+00:00",
                "done_at": "2026-01-01T00:00:01+00:00",
            },
            {
                "update_id": 8,
                "payload": '{"update_id": 8}',
                "received_at": "2026-01-01T00:00:00+00:00",
            },
        ]
    )
    old["query_log"].insert(
        {
            "time": "2026-01-01",
            "source": "telegram",
            "query": "作风建设",
            "result_ids": "[]",
            "scores": "[]",
            "results": 0,
            "update_id": 7,
        }
    )
    old.close()
    store = ReportStore(path)
    inbox = InboxStore(store)
    [(event_id,)] = store.db.execute("select request_id from query_log").fetchall()
    assert store.db.execute(
        "select external_id from inbox where id = ?", [event_id]
    ).fetchone() == (7,)
    assert [p for _, p in inbox.pending(receiver_id=123)] == ['{"update_id": 8}']
    [redelivered] = inbox.put(123, [(8, '{"update_id":8}')])  # same payload, respaced
    assert not redelivered.done and redelivered.entry_id != event_id
    assert store.db.execute("select count(*) from inbox").fetchone() == (2,)
    store.close()


def test_a_redelivered_copy_of_a_resumed_update_is_not_handled_again(tmp_path):
    import asyncio
    import json

    from reportbot.bot.inbox import Inbox
    from reportbot.storage.db import ReportStore
    from reportbot.storage.inbox import InboxEntry, InboxStore

    store = ReportStore(tmp_path / "bot.db")
    requests = InboxStore(store)
    update = {"update_id": 41, "message": {"message_id": 1, "text": "作风建设"}}

    async def restart_after_a_kill() -> list:
        first = Inbox(requests, bot_id=7)
        assert await first.store_batch([update])  # fetched, then the bot was killed
        inbox = Inbox(requests, bot_id=7)  # the restarted bot
        [(entry_id, payload)] = requests.pending(7)
        inbox.add_pending(InboxEntry(entry_id, json.loads(payload)["update_id"], False))
        assert await inbox.store_batch([update])  # Telegram sends it again: not confirmed
        resumed = inbox.claim(41)
        copy_while_running = inbox.claim(41)
        await inbox.finish(resumed)
        return [resumed.entry_id, copy_while_running, inbox.claim(41)]

    assert asyncio.run(restart_after_a_kill()) == [1, False, False]
    store.close()
