"""Under load each user's first question is answered before anyone's second one."""

from __future__ import annotations

from telegram_harness import ALICE, MALLORY, BotHarness

BOB = ALICE + 50


def test_first_questions_go_before_second_ones_from_the_same_user(tmp_path):
    tg = BotHarness(
        tmp_path, telegram={"concurrent_updates": 1}, access={"allowed_users": [ALICE, BOB]}
    )
    try:
        with tg.fake.batch():  # one getUpdates batch, in this order
            for question in ("作风建设", "党员发展", "微党课", "道德讲堂"):
                tg.fake.inject_message(question)
            tg.fake.inject_message("作风建设", user_id=MALLORY)  # a stranger
            tg.fake.inject_message("党员春训", user_id=BOB)
        sent = tg.fake.wait_for_calls("sendMessage", 6)
    finally:
        tg.close()
    assert [c.params["chat_id"] for c in sent] == [ALICE, BOB, ALICE, ALICE, ALICE, MALLORY]
