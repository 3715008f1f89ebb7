"""Admins through Telegram: uploads, deletes, figures and the weekly digest."""

from __future__ import annotations

import io

import docx
import pytest
from telegram_harness import ADMIN, ALICE, GROUP, MALLORY, button, methods, only

from reportbot.bot.telegram_app import DIGEST_JOB

REPORT = """2024年机关第一党支部党建工作总结
一、主要工作
（一）加强理论学习。全年组织集中学习12次，开展“红色驿站”活动6场。
（二）规范组织生活。严格落实“三会一课”制度。
二、存在问题
一是学习深度不够。
三、下步打算
一是持续深化“红色驿站”。
"""


pytestmark = pytest.mark.bot_config(bot={"digest_chat": ADMIN})


def upload(tg, name: str, content: bytes):
    return tg.upload(name, content, user_id=ADMIN)


def test_admin_upload_is_ingested_and_outlined(tg):
    calls = upload(tg, "支部总结.txt", REPORT.encode())
    assert methods(calls) == ["getFile", "sendMessage"]
    text = calls[1].params["text"]
    assert "已导入" in text and "2024年机关第一党支部党建工作总结" in text
    assert "（一）加强理论学习" in text and "二、存在问题" in text
    assert (tg.db.parent / "uploads" / str(ADMIN) / "支部总结.txt").read_text("utf-8") == REPORT
    answer = only(tg.say("红色驿站"), "sendMessage").params["text"]
    assert "2024年机关第一党支部党建工作总结 › " in answer
    assert "之前已导入" in upload(tg, "支部总结.txt", REPORT.encode())[1].params["text"]


def test_docx_upload(tg):
    document = docx.Document()
    document.add_heading("2024年述职报告", level=1)
    document.add_heading("一、履职情况", level=2)
    document.add_paragraph("牵头推进“强基工程”，完成支部标准化建设。")
    buffer = io.BytesIO()
    document.save(buffer)
    text = upload(tg, "述职.docx", buffer.getvalue())[1].params["text"]
    assert "已导入" in text and "一、履职情况" in text


def test_path_traversal_names_stay_in_the_upload_folder(tg, tmp_path):
    calls = upload(tg, "../../evil.txt", REPORT.encode())
    assert methods(calls) == ["getFile", "sendMessage"] and "已导入" in calls[1].params["text"]
    assert (tg.db.parent / "uploads" / str(ADMIN) / "evil.txt").is_file()
    assert not (tmp_path.parent / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


def test_bad_uploads_are_refused_politely(tg):
    refused = {
        "slides.pptx": "不支持这种文件",
        "empty.txt": "导入失败",
    }
    for name, reason in refused.items():
        calls = upload(tg, name, b"" if name == "empty.txt" else b"%PDF-1.4")
        assert reason in calls[-1].params["text"]
    assert methods(upload(tg, "slides.pptx", b"%PDF")) == ["sendMessage"]  # never downloaded
    assert len(tg.service.documents()) == 5


def test_files_over_the_download_limit_are_not_fetched(tg):
    huge = {
        "message": {
            "message_id": 77,
            "date": 0,
            "from": {"id": ADMIN, "is_bot": False, "first_name": "A"},
            "chat": {"id": ADMIN, "type": "private", "first_name": "A"},
            "document": {
                "file_id": "BIG",
                "file_unique_id": "big",
                "file_name": "big.docx",
                "file_size": 25 * 2**20,
            },
        }
    }
    calls = tg.run(lambda: tg.fake.inject_raw(huge))
    assert "文件太大（25.0 MB），上限是 20.0 MB" in only(calls, "sendMessage").params["text"]


def test_delete_asks_then_deletes_and_old_buttons_say_gone(tg):
    answer = only(tg.say("红色驿站"), "sendMessage")  # not in the seeds
    assert "没有找到" in answer.params["text"]
    upload(tg, "支部总结.txt", REPORT.encode())
    answer = only(tg.say("红色驿站"), "sendMessage")
    doc_id = max(d.doc_id for d in tg.service.documents())
    confirm = only(tg.say(f"/delete {doc_id}", user_id=ADMIN), "sendMessage")
    calls = tg.press(button(confirm, "确认删除")["callback_data"], user_id=ADMIN)
    assert methods(calls) == ["answerCallbackQuery", "editMessageText"]
    assert calls[1].params["text"].startswith(f"已删除：[{doc_id}]")
    assert len(tg.service.documents()) == 5
    gone = only(tg.press(button(answer, "📄 1")["callback_data"]), "answerCallbackQuery")
    assert gone.params["show_alert"] is True and "已被删除" in gone.params["text"]
    assert (
        "没有编号" in only(tg.say(f"/delete {doc_id}", user_id=ADMIN), "sendMessage").params["text"]
    )


def test_delete_can_be_cancelled(tg):
    doc_id = tg.service.documents()[0].doc_id
    confirm = only(tg.say(f"/delete {doc_id}", user_id=ADMIN), "sendMessage")
    calls = tg.press(button(confirm, "取消")["callback_data"], user_id=ADMIN)
    assert calls[1].params["text"] == "已取消。" and len(tg.service.documents()) == 5


def test_stats_and_unanswered(tg):
    answered = only(tg.say("作风建设"), "sendMessage")
    tg.press(button(answered, "👎")["callback_data"])
    tg.say("明天上海会下雨吗")
    stats = only(tg.say("/stats", user_id=ADMIN), "sendMessage").params["text"]
    assert "报告 5 份" in stats and "近 7 天提问 2 次" in stats and "👎 1" in stats
    assert "作风建设（1）" in stats
    unanswered = only(tg.say("/unanswered", user_id=ADMIN), "sendMessage").params["text"]
    assert "明天上海会下雨吗（无结果）" in unanswered and "作风建设（👎 1）" in unanswered


def test_weekly_digest_is_sent_to_the_admin_chat(tg):
    tg.say("明天上海会下雨吗")
    [job] = tg.app.job_queue.get_jobs_by_name(DIGEST_JOB)
    before = len(tg.fake.calls("sendMessage"))
    tg.call(job.run(tg.app))
    [digest] = tg.fake.calls("sendMessage")[before:]
    assert digest.params["chat_id"] == ADMIN and digest.error is None
    assert "每周小结" in digest.params["text"] and "明天上海会下雨吗" in digest.params["text"]
    assert ALICE != ADMIN


def test_only_admins_can_press_the_buttons_of_an_admin_dialog_in_a_group(tg):
    doc_id = tg.service.documents()[0].doc_id
    tg.say("/docs", chat_id=GROUP, chat_type="supergroup")  # the fake learns the group
    confirm = only(
        tg.say(f"/delete {doc_id}", user_id=ADMIN, chat_id=GROUP, chat_type="supergroup"),
        "sendMessage",
    )
    message_id = tg.fake.messages(GROUP)[-1]["message_id"]
    for label in ("取消", "确认删除"):  # a member of the allowed group, not an admin
        calls = tg.press(
            button(confirm, label)["callback_data"],
            user_id=MALLORY,
            chat_id=GROUP,
            message_id=message_id,
        )
        notice = only(calls, "answerCallbackQuery")
        assert notice.params["show_alert"] is True and "只有管理员" in notice.params["text"]
    assert "确定删除" in tg.fake.messages(GROUP)[-1]["text"] and len(tg.service.documents()) == 5
    calls = tg.press(
        button(confirm, "取消")["callback_data"],
        user_id=ADMIN,
        chat_id=GROUP,
        message_id=message_id,
    )
    assert calls[1].params["text"] == "已取消。"


def test_synonym_command_teaches_search_live(tg):
    reply = only(tg.say("/synonym 一把手 第一责任人", user_id=ADMIN), "sendMessage")
    assert "已添加同义词" in reply.params["text"]
    listed = only(tg.say("/synonym", user_id=ADMIN), "sendMessage").params["text"]
    assert "一把手 = 第一责任人" in listed
    assert tg.service.synonyms() == [("一把手", "第一责任人")]
    removed = only(tg.say("/synonym 删除 一把手", user_id=ADMIN), "sendMessage")
    assert "已删除 1 对" in removed.params["text"] and tg.service.synonyms() == []


def test_members_cannot_edit_synonyms(tg):
    reply = only(tg.say("/synonym 一把手 第一责任人"), "sendMessage")
    assert "已添加" not in reply.params["text"] and tg.service.synonyms() == []


def test_unanswered_says_when_only_related_passages_were_found(tg):
    tg.say("中央八项规定是哪年出台的")
    unanswered = only(tg.say("/unanswered", user_id=ADMIN), "sendMessage").params["text"]
    assert "中央八项规定是哪年出台的（只有相关段落）" in unanswered
