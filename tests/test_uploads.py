"""Uploads through Telegram: names, broken files, twins, sizes nobody announced, slow files."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from telegram_harness import ADMIN, ALICE, BotHarness, only

TEAM = "团队2024年工作总结\n一、主要工作\n（一）开展“青蓝结对”活动8次。\n二、下步打算\n一是深化结对。\n"
OTHER = "科室2024年工作总结\n一、主要工作\n（一）组织“书香机关”读书会5场。\n二、存在问题\n一是学习不深。\n"


def upload(tg, name: str, content: bytes, **kwargs) -> str:
    return tg.upload(name, content, user_id=ADMIN, **kwargs)[-1].params["text"]


def answer(tg, question: str) -> str:
    return only(tg.say(question), "sendMessage").params["text"]


def stored(tg) -> list[tuple[str, str]]:
    """(title, content hash) of the uploaded documents (the seed reports left out)."""
    with sqlite3.connect(tg.db) as conn:
        return conn.execute(
            "select title, content_hash from documents where source like ? order by id",
            [f"{tg.db.parent / 'uploads'}%"],
        ).fetchall()


def test_same_name_with_another_reports_bytes_replaces_the_old_version(tg):
    assert "已导入" in upload(tg, "team.txt", TEAM.encode())
    assert "已导入" in upload(tg, "other.txt", OTHER.encode())
    reply = upload(tg, "team.txt", OTHER.encode())  # same name, the other report's bytes
    assert "之前已导入" in reply and "科室2024年工作总结" in reply and "旧版本" in reply
    assert "没有找到" in answer(tg, "青蓝结对")  # the old team.txt is gone
    assert "书香机关" in answer(tg, "书香机关读书会")
    assert (tg.db.parent / "uploads" / str(ADMIN) / "team.txt").read_bytes() == OTHER.encode()
    assert [title for title, _ in stored(tg)] == ["科室2024年工作总结"]


def test_a_broken_upload_under_an_existing_name_keeps_the_good_report(tg):
    upload(tg, "team.txt", TEAM.encode())
    for broken in (b"", "\ufffd".encode() * 3 + b"\xff\xfe\x00" * 50, b"PK\x03\x04broken"):
        assert "导入失败" in upload(tg, "team.txt", broken)
    assert "青蓝结对" in answer(tg, "青蓝结对活动")
    folder = tg.db.parent / "uploads"
    assert (folder / str(ADMIN) / "team.txt").read_bytes() == TEAM.encode()
    assert not [p for p in (folder / ".incoming").rglob("*") if p.is_file()]


def test_same_name_from_another_chat_is_another_report(tmp_path):
    tg = BotHarness(tmp_path, access={"admins": [ADMIN, ALICE]})
    try:
        upload(tg, "team.txt", TEAM.encode())
        assert "已导入" in tg.upload("team.txt", OTHER.encode(), user_id=ALICE)[-1].params["text"]
        assert len(stored(tg)) == 2
    finally:
        tg.close()


def test_two_identical_uploads_at_once_become_one_document(tg):
    before = len(tg.fake.calls("sendMessage"))
    for name in ("a.txt", "b.txt", "c.txt"):
        tg.fake.inject_document(name, TEAM.encode(), user_id=ADMIN)
    replies = [c.params["text"] for c in tg.fake.wait_for_calls("sendMessage", before + 3)[before:]]
    digest = hashlib.sha256(TEAM.encode()).hexdigest()
    assert [h for _, h in stored(tg)] == [digest]
    assert sum(r.startswith("已导入：") for r in replies) == 1
    assert sum("之前已导入" in r for r in replies) == 2


def test_identical_files_in_one_ingest_become_one_document(service, tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(TEAM, "utf-8")
    results = service.ingest([tmp_path / "a.txt", tmp_path / "b.txt"])
    assert [r.status for r in results] == ["added", "unchanged"]
    assert results[0].doc_id == results[1].doc_id


@pytest.mark.parametrize("announced", [None, 100])
def test_download_stops_at_the_limit_when_the_size_is_missing_or_wrong(tmp_path, announced):
    tg = BotHarness(tmp_path, bot={"max_upload_bytes": 2**20})
    try:
        content = (TEAM * 12_000).encode()  # about 1.6 MB
        reply = only(
            tg.upload("big.txt", content, user_id=ADMIN, file_size=announced)[1:], "sendMessage"
        ).params["text"]
        assert reply == "文件太大，上限是 1.0 MB。"
        assert not [p for p in (tg.db.parent / "uploads").rglob("*") if p.is_file()]
        assert len(stored(tg)) == 0
    finally:
        tg.close()


def test_a_slow_file_is_stopped_at_the_time_limit_and_others_are_answered_meanwhile(tmp_path):
    tg = BotHarness(tmp_path, ingest={"upload_seconds": 2.0})
    try:
        lines = ["某单位工作总结", "一、主要工作"] + [
            f"第{i}条：党建工作学习组织基层群众作风建设制度落实责任监督服务发展创新。"
            for i in range(100_000)
        ]
        before = len(tg.fake.calls("sendMessage"))
        tg.fake.inject_document("slow.txt", "\n".join(lines).encode(), user_id=ADMIN)
        tg.fake.wait_for_calls("getFile")
        tg.fake.inject_message("作风建设")
        first, second = tg.fake.wait_for_calls("sendMessage", before + 2, timeout=30)[before:]
    finally:
        tg.close()
    assert first.params["chat_id"] == ALICE and "[1]" in first.params["text"]
    assert second.params["chat_id"] == ADMIN
    assert "导入失败" in second.params["text"] and "2 s" in second.params["text"]


def test_a_small_ingest_parses_each_file_once(service, tmp_path, monkeypatch):
    import reportbot.bot.worker as worker

    calls = []
    real = worker.read_source
    monkeypatch.setattr(worker, "read_source", lambda *a: calls.append(a[0]) or real(*a))
    (tmp_path / "team.txt").write_text(TEAM, "utf-8")
    [result] = service.ingest([tmp_path / "team.txt"])
    assert result.status == "added" and calls == [tmp_path / "team.txt"]


def test_a_docx_with_too_many_paragraphs_is_refused_before_parsing(service, tmp_path):
    import io
    import zipfile

    import docx

    document = docx.Document()
    document.add_paragraph("某局2024年工作总结")
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "word/document.xml":
                data = data.replace(
                    b"<w:body>", b"<w:body>" + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 20_001
                )
            out.writestr(entry, data)
    [result] = service.ingest([path])
    assert result.status == "failed" and "20,00" in result.reason and "paragraphs" in result.reason


def test_an_upload_kept_by_an_older_version_is_replaced_by_the_same_name(tg):
    legacy = tg.db.parent / "uploads" / "team.txt"  # where uploads went before chat folders
    legacy.parent.mkdir(parents=True)
    legacy.write_text(TEAM, "utf-8")
    [old] = tg.service.ingest([legacy])
    before = sorted(d.doc_id for d in tg.service.documents())
    assert "已更新" in upload(tg, "team.txt", OTHER.encode())
    assert "没有找到" in answer(tg, "青蓝结对")
    assert sorted(d.doc_id for d in tg.service.documents()) == before  # the report kept its id
    assert tg.service.document(old.doc_id).title != old.title
