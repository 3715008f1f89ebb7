"""Ingest: formats and encodings, idempotence, atomicity, clear errors for bad files."""

from __future__ import annotations

import gc
import sqlite3

import docx
import pytest

from reportbot.bot.ingesting import BATCH_GC_THRESHOLD
from reportbot.bot.service import ReportService
from reportbot.storage.db import ReportStore

REPORT = (
    "某某局机关党委2023年党建工作总结\n\n"
    "2023年，局机关党委认真履行职责。\n"
    "一、主要工作\n"
    "（一）强化理论武装。全年开展中心组学习XX次，举办读书班2期。\n"
    "（二）加强组织建设。一是规范支部设置。二是开展星级评定，评出五星支部3个。\n"
    "二、存在的问题\n"
    "个别支部“三会一课”记录不规范 ，学习流于形式。\n"
    "三、下一步打算\n"
    "（一）持续抓好学习。每月至少组织一次集中学习。\n"
)


def count(db_path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le"]
)
def test_text_encodings_are_detected(service, tmp_path, encoding):
    path = tmp_path / f"report-{encoding}.txt"
    path.write_bytes(REPORT.encode(encoding))
    [result] = service.ingest([path])
    assert result.status == "added", result.reason
    assert result.title == "某某局机关党委2023年党建工作总结"
    assert result.parts == 3
    hits = service.search("三会一课记录").hits
    assert hits and "记录不规范" in hits[0].text and hits[0].kind == "problem"


def test_markdown_headings_and_markup(service, tmp_path):
    path = tmp_path / "report.md"
    path.write_text(
        "# 某某局2023年工作总结\n\n## 一、主要工作\n\n**全年**开展[志愿服务](http://x)20次。\n\n"
        "## 二、下一步打算\n\n- 继续开展志愿服务。\n",
        encoding="utf-8",
    )
    [result] = service.ingest([path])
    assert result.title == "某某局2023年工作总结"
    hit = service.search("志愿服务", 5).hits[0]
    assert "**" not in hit.text and "http" not in hit.text
    assert hit.section_path[0] == "一、主要工作"


def test_docx_with_heading_styles(service, tmp_path):
    document = docx.Document()
    document.add_heading("某某中学党支部2023年工作总结", level=0)
    document.add_heading("一、主要成效", level=1)
    document.add_paragraph("全年发展党员2名，开展主题党日12次。")
    document.add_heading("存在的不足", level=1)
    document.add_paragraph("部分党员学习主动性不强。")
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "表格里的内容：培训教师XX人次。"
    path = tmp_path / "report.docx"
    document.save(path)
    [result] = service.ingest([path])
    assert result.status == "added", result.reason
    assert result.title == "某某中学党支部2023年工作总结"
    kinds = {h.section_path[-1]: h.kind for h in service.search("党员学习主动性", 5).hits}
    assert kinds.get("存在的不足") == "problem"
    assert service.search("培训教师", 5).hits


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("empty.txt", b"", "file is empty"),
        ("binary.txt", bytes(range(256)) * 20, "binary"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable .docx"),
        ("slides.pptx", b"whatever", "unsupported file type"),
        ("blank.txt", b"   \n\n  ", "no text"),
    ],
)
def test_bad_files_get_a_one_line_error_naming_the_file(service, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    [result] = service.ingest([path])
    assert result.status == "failed"
    assert name in result.reason and message in result.reason
    assert "\n" not in result.reason


def test_oversized_file_is_refused(tmp_path, db_path):
    service = ReportService.open(db_path, max_file_bytes=100)
    path = tmp_path / "big.txt"
    path.write_text(REPORT * 5, encoding="utf-8")
    [result] = service.ingest([path])
    assert result.status == "failed" and "limit" in result.reason


def test_ingest_is_idempotent_and_replaces_changed_files(service, tmp_path, db_path):
    path = tmp_path / "r.txt"
    path.write_text(REPORT, encoding="utf-8")
    [added] = service.ingest([path])
    chunks = count(db_path, "chunks")
    assert service.ingest([path])[0].status == "unchanged"
    assert count(db_path, "chunks") == chunks
    path.write_text(REPORT.replace("五星支部3个", "五星支部4个"), encoding="utf-8")
    [result] = service.ingest([path])
    assert (added.status, result.status) == ("added", "replaced")
    assert count(db_path, "documents") == 1 and result.doc_id == added.doc_id  # same id
    [hit] = service.search("五星支部", 1).hits
    assert "五星支部4个" in hit.text and hit.doc_id == added.doc_id


def test_failure_mid_document_leaves_database_as_it_was(service, tmp_path, db_path, monkeypatch):
    good = tmp_path / "a.txt"
    good.write_text(REPORT, encoding="utf-8")
    service.ingest([good])
    before = {t: count(db_path, t) for t in ("documents", "chunks", "doc_lines", "doc_phrases")}
    inserted = []
    original = ReportStore._bump_generation

    def crash(self):
        inserted.append(count(db_path, "chunks"))
        raise RuntimeError("disk full")

    monkeypatch.setattr(ReportStore, "_bump_generation", crash)
    changed = tmp_path / "a.txt"
    changed.write_text(REPORT.replace("2期", "3期"), encoding="utf-8")
    with pytest.raises(RuntimeError):
        service.ingest([changed])
    monkeypatch.setattr(ReportStore, "_bump_generation", original)
    assert {t: count(db_path, t) for t in before} == before
    assert "2期" in service.search("读书班").hits[0].text


def test_good_files_kept_when_others_fail(service, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "good.txt").write_text(REPORT, encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "notes.pptx").write_bytes(b"%PDF")
    results = {r.path.rsplit("/", 1)[-1]: r.status for r in service.ingest([folder])}
    assert results == {"bad.txt": "failed", "good.txt": "added", "notes.pptx": "skipped"}


def test_seed_boilerplate_never_reaches_the_database(seeded, db_path):
    with sqlite3.connect(db_path) as conn:
        texts = [row[0] for row in conn.execute("select text || ' ' || path from chunks")]
    for marker in ("QQ", "会员", "禁止外传", "酷乐文行", "倒卖", "订阅"):
        assert not [t for t in texts if marker in t], marker


def test_each_seed_alone_is_cleaned_too(service, seeds):
    [result] = service.ingest([seeds / "000_40057f9b2783dadc.txt"])
    assert result.title == "市委办公室党总支2020年党建工作总结"
    assert not service.search("酷乐文行整理").hits


def test_chunk_sizes_suit_pasting(seeded, db_path):
    with sqlite3.connect(db_path) as conn:
        lengths = sorted(len(row[0]) for row in conn.execute("select text from chunks"))
    assert lengths[len(lengths) // 2] < 300
    assert lengths[-1] <= 800


def test_samples_stand_in_until_the_first_real_report(service, tmp_path):
    assert all(d.sample for d in service.documents())
    assert service.search("志愿服务").from_samples
    path = tmp_path / "r.txt"
    path.write_text(REPORT, encoding="utf-8")
    service.ingest([path])
    assert [d.sample for d in service.documents()] == [False]
    response = service.search("志愿服务")
    assert not response.from_samples
    assert all(h.doc_title == "某某局机关党委2023年党建工作总结" for h in response.hits)


def test_every_search_is_logged(service, db_path):
    service.search("志愿服务", user_id=7, chat_id=8, source="telegram")
    service.search("怎样做红烧肉")
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "select source, user_id, chat_id, results, result_ids, latency_ms "
            "from query_log order by id"
        ).fetchall()
    assert rows[0][:3] == ("telegram", 7, 8) and rows[0][3] > 0
    assert rows[1][3] == 0 and rows[1][4] == "[]"
    assert all(row[5] >= 0 for row in rows)


def test_collector_runs_less_often_only_while_ingesting(service, tmp_path):
    before = gc.get_threshold()
    seen = []
    (tmp_path / "report.txt").write_text(REPORT, encoding="utf-8")
    service.ingest([tmp_path], progress=lambda result: seen.append(gc.get_threshold()))
    assert seen and seen[0][0] >= BATCH_GC_THRESHOLD > before[0]
    assert gc.get_threshold() == before
