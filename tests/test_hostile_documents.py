"""Hostile and broken files: each gets a one-line reason or a sensible parse, quickly.

Every case goes through the real ingest path. A refused file must leave the database as
it was; an accepted one must keep its text, with no markup and no passage over 800
characters. Time limits are generous: they catch hangs and quadratic blow-ups, they are
not benchmarks.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sqlite3
import struct
import time
import zipfile
from pathlib import Path

import docx
import pytest

from reportbot.bot.service import IngestResult, ReportService
from reportbot.retrieval.formats import DEFAULT_MAX_BYTES, DOCX_UNPACK_RATIO
from reportbot.retrieval.text import squeeze
from reportbot.storage.db import ChunkRecord

TIME_LIMIT = 10.0
TITLE = "某某局机关党委2023年党建工作总结"
REPORT = (
    f"{TITLE}\n\n"
    "2023年，局机关党委认真履行职责。\n"
    "一、主要工作\n"
    "（一）强化理论武装。全年开展中心组学习XX次，举办读书班2期。\n"
    "（二）加强组织建设。一是规范支部设置。二是开展星级评定，评出五星支部3个。\n"
    "二、存在的问题\n"
    "个别支部“三会一课”记录不规范，学习流于形式。\n"
    "三、下一步打算\n"
    "（一）持续抓好学习。每月至少组织一次集中学习。\n"
)
# Tags with ASCII attributes only: "a<b 且 c>d" in prose is not markup.
MARKUP = re.compile(
    r"</?(?:a|b|br|body|div|h1|head|html|img|p|script|span|style|title)(?:\s[ -~]*?)?/?>"
    r"|&(?:[a-zA-Z]+|#\d+);",
    re.IGNORECASE,
)
# A 1×1 transparent PNG, for a .docx that holds an image and nothing else.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5e8e1f40000000049454e44ae426082"
)


def counts(db_path: Path) -> tuple[int, int]:
    with sqlite3.connect(db_path) as conn:
        return tuple(
            conn.execute(f"select count(*) from {t}").fetchone()[0] for t in ("documents", "chunks")
        )


def ingest(service: ReportService, path: Path) -> tuple[IngestResult, float]:
    started = time.perf_counter()
    [result] = service.ingest([path])
    return result, time.perf_counter() - started


def refused(service: ReportService, db_path: Path, path: Path, *words: str) -> IngestResult:
    """Ingest a file that must fail: one line naming it, quickly, database untouched."""
    before = counts(db_path)
    result, seconds = ingest(service, path)
    assert result.status == "failed", result
    assert path.name in result.reason and "\n" not in result.reason
    assert all(word in result.reason for word in words), result.reason
    assert counts(db_path) == before
    assert seconds < TIME_LIMIT
    return result


def accepted(service: ReportService, path: Path) -> tuple[IngestResult, list[ChunkRecord]]:
    """Ingest a file that must parse: passages that fit, carry no markup, found quickly."""
    result, seconds = ingest(service, path)
    assert result.status == "added", result.reason
    chunks = service.store.document_chunks(result.doc_id)
    assert chunks and all(len(c.text) <= 800 for c in chunks)
    for chunk in chunks:
        assert not MARKUP.search(chunk.text + "".join(chunk.path)), chunk.text
    assert seconds < TIME_LIMIT
    return result, chunks


def body(chunks: list[ChunkRecord]) -> str:
    """All passage text without white space, to check no character was lost."""
    return squeeze("".join(c.text for c in chunks))


def assert_report_kept(chunks: list[ChunkRecord]) -> None:
    """Every line of REPORT below its title is in a passage, or a heading in a path."""
    text, headings = body(chunks), {heading for c in chunks for heading in c.path}
    for line in REPORT.splitlines()[1:]:
        assert squeeze(line) in text or line in headings, line


def docx_bytes(*paragraphs: str, picture: Path | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if picture:
        document.add_picture(str(picture))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def document_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml")


def with_document_xml(data: bytes, xml: bytes) -> bytes:
    """The same .docx with word/document.xml replaced."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            target.writestr(name, xml if name == "word/document.xml" else source.read(name))
    return buffer.getvalue()


def write_zip_bomb(path: Path, unpacked: int) -> None:
    """A .docx whose document.xml is `unpacked` bytes of spaces, streamed: ~1 KB per MB."""
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes("正文"))) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for name in source.namelist():
            if name != "word/document.xml":
                bomb.writestr(name, source.read(name))
        with bomb.open("word/document.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(unpacked >> 20):
                member.write(block)


def understate_size(data: bytes, member: str, size: int) -> bytes:
    """Make a zip entry claim a smaller unpacked size, in its local and central headers."""
    data, name = bytearray(data), member.encode()
    for signature, name_length, name_start, size_field in (
        (b"PK\x03\x04", 26, 30, 22),
        (b"PK\x01\x02", 28, 46, 24),
    ):
        at = data.find(signature)
        while at != -1:
            length = struct.unpack_from("<H", data, at + name_length)[0]
            if data[at + name_start : at + name_start + length] == name:
                struct.pack_into("<I", data, at + size_field, size)
            at = data.find(signature, at + 4)
    return bytes(data)


# refused -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,content,words",
    [
        ("empty.txt", b"", ["file is empty"]),
        ("empty.md", b"", ["file is empty"]),
        ("empty.docx", b"", ["file is empty"]),
        ("blank.md", b"\n \n\t\n", ["no text"]),
        ("image.txt", PNG * 50, ["not text"]),
        ("mostly-nul.txt", REPORT.encode() + b"\x00" * 64 + REPORT.encode(), ["binary"]),
        (
            "utf16-bom-binary.txt",
            codecs.BOM_UTF16_LE + bytes(range(256)) * 8 + b"\x01",
            ["binary or wrong encoding"],
        ),
        (
            "markup-only.md",
            b"<div><img src='a.png'></div>\n![](b.png)\n<script>x()</script>\n",
            ["no text"],
        ),
        ("not-a-zip.docx", bytes(range(1, 32)) * 40, ["not a readable .docx", "not a zip"]),
        ("报告 草稿.docx", b"PK\x03\x04" + b"\x00" * 100, ["not a readable .docx"]),
    ],
)
def test_broken_files_are_refused_in_one_line(service, db_path, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    refused(service, db_path, path, *words)


@pytest.mark.parametrize("name", ["renamed.docx", "renamed.doc", "renamed.wps"])
def test_a_text_file_with_a_word_name_is_read_as_text(service, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(REPORT.encode("gb18030"))
    [result] = service.ingest([path])
    assert result.status == "added", result.reason
    assert service.document(result.doc_id).format == "txt"


def test_truncated_docx(service, db_path, tmp_path):
    data = docx_bytes(TITLE, "一、主要工作", "全年开展活动。")
    path = tmp_path / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    refused(service, db_path, path, "not a readable .docx", "damaged")


def test_zip_that_is_not_a_word_document(service, db_path, tmp_path):
    path = tmp_path / "photos.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "你好")
    refused(service, db_path, path, "not a Word document")


def test_docx_with_malformed_xml(service, db_path, tmp_path):
    path = tmp_path / "malformed.docx"
    path.write_bytes(with_document_xml(docx_bytes("正文"), b"<w:document><w:body><w:p>"))
    refused(service, db_path, path, "damaged XML")


def test_docx_with_entity_expansion_bomb(service, db_path, tmp_path):
    entities = "".join(f'<!ENTITY e{i} "{(f"&e{i - 1};" if i else "哈") * 10}">' for i in range(10))
    data = docx_bytes("占位")
    declaration, rest = document_xml(data).split(b"?>", 1)
    xml = (
        declaration
        + b"?>"
        + f"<!DOCTYPE d [{entities}]>".encode()
        + rest.replace("占位".encode(), b"&e9;")
    )
    path = tmp_path / "laughs.docx"
    path.write_bytes(with_document_xml(data, xml))
    refused(service, db_path, path, "not a readable .docx")


def test_docx_with_images_only(service, db_path, tmp_path):
    picture = tmp_path / "dot.png"
    picture.write_bytes(PNG)
    path = tmp_path / "scan.docx"
    path.write_bytes(docx_bytes(picture=picture))
    refused(service, db_path, path, "no text", "only images")


def test_docx_zip_bomb_is_refused_before_unpacking(service, db_path, tmp_path, monkeypatch):
    path = tmp_path / "bomb.docx"
    write_zip_bomb(path, 256 << 20)
    assert path.stat().st_size < 1 << 20
    unpacked = []
    monkeypatch.setattr(docx, "Document", unpacked.append)
    refused(service, db_path, path, "zip bomb", f"{DEFAULT_MAX_BYTES * DOCX_UNPACK_RATIO:,}")
    assert unpacked == []


def test_docx_entry_understating_its_size_cannot_slip_past_the_cap(service, db_path, tmp_path):
    text = "全年开展主题党日活动十二次。" * 2000
    data = docx_bytes(TITLE, text)
    path = tmp_path / "liar.docx"
    path.write_bytes(understate_size(data, "word/document.xml", 1000))
    refused(service, db_path, path, "not a readable .docx")


def test_unpacked_docx_cap_follows_max_file_bytes(service, tmp_path):
    data = docx_bytes(TITLE, "一、主要工作", "全年开展活动。")
    padded = document_xml(data).replace(b"</w:body>", b" " * 3_000_000 + b"</w:body>")
    path = tmp_path / "padded.docx"
    path.write_bytes(with_document_xml(data, padded))
    small = ReportService.open(tmp_path / "small.db", max_file_bytes=200_000)
    try:
        refused(small, tmp_path / "small.db", path, "unpacks to", "2,000,000-byte limit")
    finally:
        small.close()
    result, _ = accepted(service, path)
    assert result.title == TITLE


def test_file_over_the_size_cap_is_refused_without_being_read(
    service, db_path, tmp_path, monkeypatch
):
    path = tmp_path / "大报告.txt"
    with path.open("wb") as file:
        file.write(REPORT.encode())
        file.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: 20 MB + 1 byte without writing them
    opened = []
    real_open = Path.open
    monkeypatch.setattr(
        Path, "open", lambda self, *a, **k: opened.append(self) or real_open(self, *a, **k)
    )
    refused(service, db_path, path, "over the", "limit")
    assert path not in opened


def test_gb18030_with_many_invalid_bytes_names_the_first_bad_line(service, db_path, tmp_path):
    data = (REPORT * 5).encode("gb18030")
    at = data.index("二、存在".encode("gb18030"))
    path = tmp_path / "damaged.txt"
    path.write_bytes(data[:at] + b"\xff" * 20 + data[at:])
    refused(service, db_path, path, "20 byte sequences are not valid", "line 7", "save it as UTF-8")


def test_fifo_is_refused_without_blocking(service, db_path, tmp_path):
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    refused(service, db_path, path, "not a regular file")


def test_symlink_loop_and_dangling_link(service, db_path, tmp_path):
    loop, dangling = tmp_path / "loop.txt", tmp_path / "gone.txt"
    loop.symlink_to(loop)
    dangling.symlink_to(tmp_path / "missing.txt")
    refused(service, db_path, loop, "cannot read")
    refused(service, db_path, dangling, "cannot read")


def test_folder_named_like_a_report_is_walked_not_read(service, tmp_path):
    folder = tmp_path / "总结.docx"
    folder.mkdir()
    assert service.ingest([folder]) == []


def test_read_error_after_the_size_check(service, db_path, tmp_path, monkeypatch):
    path = tmp_path / "flaky.txt"
    path.write_text(REPORT, encoding="utf-8")

    def fail(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", fail)  # as root, chmod 000 would not stop the read
    refused(service, db_path, path, "cannot read (Permission denied)")


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their permissions"
)
def test_unreadable_file(service, db_path, tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(REPORT, encoding="utf-8")
    path.chmod(0)
    refused(service, db_path, path, "cannot read")


def test_hostile_files_in_a_folder_each_get_their_own_line(service, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "good.txt").write_text(REPORT, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04")
    (folder / "parent").symlink_to(folder)  # a loop for anything that follows links
    results = {Path(r.path).name: r for r in service.ingest([folder])}
    assert results.pop("good.txt").status == "added"
    assert sorted(results) == ["binary.txt", "broken.docx", "empty.txt"]
    assert all(
        r.status == "failed" and name in r.reason and "\n" not in r.reason
        for name, r in results.items()
    )


def test_pipes_and_broken_links_in_a_folder_are_reported_not_dropped(service, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    (folder / "gone.txt").symlink_to(tmp_path / "missing.txt")
    results = {Path(r.path).name: r for r in service.ingest([folder])}
    assert {name: r.status for name, r in results.items()} == {
        "gone.txt": "skipped",
        "pipe.txt": "skipped",
    }
    assert all("not a regular file" in r.reason for r in results.values())


def test_thousands_of_quoted_phrases_stay_linear(service, tmp_path):
    body = "".join(f"（{i % 9 + 1}）开展“专项行动{i:05d}”。" for i in range(20_000))
    path = tmp_path / "phrases.txt"
    path.write_text("某局2023年工作总结\n一、主要工作\n" + body, encoding="utf-8")
    started = time.perf_counter()
    [result] = service.ingest([path])
    assert result.status == "added"
    assert time.perf_counter() - started < 20


# accepted ------------------------------------------------------------------------


def test_200_kb_line_without_punctuation(service, tmp_path):
    line = "".join(f"党建工作第{i}项任务推进落实" for i in range(15000))[:200_000]
    path = tmp_path / "long.txt"
    path.write_text(f"{TITLE}\n{line}\n", encoding="utf-8")
    result, chunks = accepted(service, path)
    assert result.title == TITLE
    assert body(chunks) == line


def test_long_runs_of_markup_lookalikes_stay_linear(service, tmp_path):
    lines = [
        "[" * 50_000,
        "[a](" * 20_000,
        "## 标题" + " " * 50_000 + "正文",
        "<p " * 20_000,
        '<a href="' * 10_000,
        "&#x" * 20_000,
        "<!-" * 20_000,
        " " * 50_000 + "- 条目",
    ]
    path = tmp_path / "lookalikes.md"
    path.write_text(f"# {TITLE}\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    result, chunks = accepted(service, path)
    assert result.title == TITLE
    assert "正文" in body(chunks) and "条目" in body(chunks)


def test_huge_number_of_tiny_lines(service, tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(f"{TITLE}\n" + "好。\n" * 100_000, encoding="utf-8")
    _, chunks = accepted(service, path)
    assert body(chunks).count("好") == 100_000


def test_every_line_a_heading(service, tmp_path):
    headings = [f"{'一二三四五六七八九'[i % 9]}、第{i}部分" for i in range(2000)]
    path = tmp_path / "headings.txt"
    path.write_text(f"{TITLE}\n" + "\n".join(headings) + "\n", encoding="utf-8")
    result, chunks = accepted(service, path)
    assert result.parts == 2000
    assert [c.text for c in chunks] == headings


def test_nested_headings_without_body_live_on_in_paths(service, tmp_path):
    path = tmp_path / "outline.txt"
    path.write_text(
        f"{TITLE}\n一、主要工作\n（一）组织建设\n1.支部设置\n（1）规范设置\n一是按期换届\n",
        encoding="utf-8",
    )
    _, [chunk] = accepted(service, path)
    assert chunk.path == (
        "一、主要工作",
        "（一）组织建设",
        "1.支部设置",
        "（1）规范设置",
        "一是按期换届",
    )


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九."""
    tens, ones = divmod(n, 10)
    digits = "〇一二三四五六七八九"
    return (
        (digits[tens] if tens > 1 else "") + ("十" if tens else "") + (digits[ones] if ones else "")
    )


def test_numbering_up_to_ninety_nine(service, tmp_path):
    items = [f"（{chinese_number(n)}）第{n}项工作。完成任务{n}件。" for n in range(1, 100)]
    path = tmp_path / "deep.txt"
    path.write_text(f"{TITLE}\n一、主要工作\n" + "\n".join(items) + "\n", encoding="utf-8")
    result, chunks = accepted(service, path)
    assert result.sections == 99 and items[-1].startswith("（九十九）")
    assert [c.path for c in chunks] == [("一、主要工作", item.split("。")[0]) for item in items]


def test_no_numbering_at_all(service, tmp_path):
    sentences = [f"今年开展第{i}次专题学习，参学党员{i}人。" for i in range(200)]
    path = tmp_path / "flat.txt"
    path.write_text(f"{TITLE}\n" + "".join(sentences) + "\n", encoding="utf-8")
    result, chunks = accepted(service, path)
    assert not result.structured and result.sections == 1
    assert body(chunks) == squeeze("".join(sentences))


def test_over_long_declared_title_stays_in_the_body(service, tmp_path):
    long_heading = "关于" + "推进党建工作" * 60
    path = tmp_path / "styled.md"
    path.write_text(f"# {long_heading}\n\n全年开展活动。\n", encoding="utf-8")
    result, chunks = accepted(service, path)
    assert result.title == "styled"
    assert squeeze(long_heading) in body(chunks)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-8-sig"])
def test_unicode_with_and_without_bom(service, tmp_path, encoding):
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(REPORT.encode(encoding))
    result, chunks = accepted(service, path)
    assert result.title == TITLE and result.parts == 3
    assert "\ufeff" not in body(chunks)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_lone_cr_line_endings(service, tmp_path, newline):
    path = tmp_path / "endings.txt"
    path.write_bytes(REPORT.replace("\n", newline).encode("utf-8"))
    result, chunks = accepted(service, path)
    assert (result.title, result.parts, result.sections) == (TITLE, 3, 5)
    assert not any("\r" in c.text for c in chunks)


def test_mixed_utf8_and_gb18030_lines(service, tmp_path):
    first, second = REPORT.split("二、存在的问题\n")
    path = tmp_path / "pasted.txt"
    path.write_bytes(
        first.encode("utf-8") + "二、存在的问题\n".encode("gb18030") + second.encode("gb18030")
    )
    result, chunks = accepted(service, path)
    assert result.title == TITLE and result.parts == 3
    assert_report_kept(chunks)


def test_utf8_bom_followed_by_gb18030_text(service, tmp_path):
    path = tmp_path / "bom-gbk.txt"
    path.write_bytes(codecs.BOM_UTF8 + REPORT.encode("gb18030"))
    result, _ = accepted(service, path)
    assert result.title == TITLE


def test_gb18030_with_a_few_invalid_bytes_keeps_the_rest(service, tmp_path):
    text = (
        REPORT + "".join(f"（{n}）第{n}项补充说明，按计划推进。\n" for n in "二三四五六七八九") * 20
    )
    data = text.encode("gb18030")
    at = data.index("星级评定".encode("gb18030"))
    path = tmp_path / "scratched.txt"
    path.write_bytes(data[:at] + b"\xff" + data[at:])
    result, chunks = accepted(service, path)
    assert result.title == TITLE
    assert body(chunks).count("\ufffd") == 1 and "星级评定" in body(chunks)


def test_utf8_cut_mid_character(service, tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(REPORT.encode("utf-8")[:-2])
    result, chunks = accepted(service, path)
    assert result.title == TITLE and "集中学" in body(chunks)


def test_nul_padding_and_a_stray_nul_are_dropped(service, tmp_path):
    data = REPORT.encode("utf-8")
    path = tmp_path / "padded.txt"
    path.write_bytes(data[:40] + b"\x00" + data[40:] + b"\x00" * 4096)
    result, chunks = accepted(service, path)
    assert result.title == TITLE
    assert_report_kept(chunks)
    assert "\x00" not in body(chunks)


def test_rtl_emoji_and_invisible_controls(service, tmp_path):
    line = "交流活动：שלום עולם、مرحبا بكم 🙂🎉👨‍👩‍👧，效果良好。"
    path = tmp_path / "world.txt"
    path.write_text(f"{TITLE}\n一、对外交流\n{line}\u202e反转\u202c\u200b零宽\n", encoding="utf-8")
    _, [chunk] = accepted(service, path)
    assert line in chunk.text and "反转零宽" in chunk.text
    assert not re.search("[\u200b\u202a-\u202e]", chunk.text)
    assert service.search("对外交流活动").hits


def test_html_in_a_text_file(service, tmp_path):
    page = (
        "<!DOCTYPE html><html><head><title>网页</title><style>p{color:red}</style>"
        "<script>var secret = '脚本内容';</script></head><body><!-- 注释内容 -->"
        f"<h1>{TITLE}</h1><p>一、主要工作</p>"
        "<p><b>全年</b>开展&ldquo;三会一课&rdquo;20次&nbsp;，党建&amp;业务融合。</p>"
        "<p>指标满足 a<b 且 c>d 的要求，如 3 < 5。</p><p>&lt;p&gt;转义标签&lt;/p&gt;</p>"
        "</body></html>"
    )
    path = tmp_path / "page.txt"
    path.write_text(page, encoding="utf-8")
    result, chunks = accepted(service, path)
    text = "\n".join(c.text for c in chunks)
    assert result.title == TITLE
    for gone in ("脚本内容", "secret", "color", "注释内容", "DOCTYPE", "网页", "<p>", "&lt;"):
        assert gone not in text, gone
    assert "全年开展“三会一课”20次" in text and "党建&业务融合" in text
    assert "a<b 且 c>d" in text and "3 < 5" in text and "\n转义标签" in text
    assert not {"script", "var", "secret", "nbsp"} & {t for c in chunks for t in c.tokens}


def test_html_and_markdown_in_a_markdown_file(service, tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(
        f'# {TITLE}\n\n## 一、主要工作\n\n<div class="note">**全年**开展[志愿服务](http://x.cn)'
        "<br/>20次</div>\n\n<script>\nalert('脚本')\n</script>\n\n- 继续开展志愿服务。\n",
        encoding="utf-8",
    )
    result, chunks = accepted(service, path)
    text = "\n".join(c.text for c in chunks)
    assert result.title == TITLE
    assert "全年开展志愿服务" in text and "20次" in text and "继续开展志愿服务" in text
    assert "脚本" not in text and "**" not in text and "http" not in text


def test_chinese_file_name_with_spaces(service, db_path, tmp_path):
    good, empty = tmp_path / "2023年 党建 工作总结（终稿）.txt", tmp_path / "空白 文件.txt"
    good.write_text(REPORT, encoding="utf-8")
    empty.write_bytes(b"")
    result, _ = accepted(service, good)
    assert result.title == TITLE and result.path == str(good)
    refused(service, db_path, empty, "空白 文件.txt")
