"""Word documents as offices write them: automatic list numbers, outline levels, tables.

Each document is built here with python-docx and our own numbering.xml, then goes through
the real ingest; the assertions are on what a user sees: outline, kinds, citations.
"""

from __future__ import annotations

import io
import sqlite3
import time
import zipfile

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from reportbot.retrieval.formats import read_source
from reportbot.retrieval.formats.numbering import chinese_count, format_number

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def level(ilvl: int, fmt: str, text: str, start: int = 1, restart: int | None = None) -> str:
    restart_xml = f'<w:lvlRestart w:val="{restart}"/>' if restart is not None else ""
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'{restart_xml}<w:lvlText w:val="{text}"/><w:suff w:val="nothing"/></w:lvl>'
    )


# abstractNum 0: the report's outline (一、 › （一） › 1. › （1）); 1: letters and digits.
NUMBERING = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering {W_NS}>'
    '<w:abstractNum w:abstractNumId="0">'
    + level(0, "chineseCounting", "%1、")
    + level(1, "chineseCountingThousand", "（%2）")
    + level(2, "decimal", "%3.")
    + level(3, "decimal", "（%4）", restart=0)
    + '</w:abstractNum><w:abstractNum w:abstractNumId="1">'
    + level(0, "upperLetter", "%1.")
    + level(1, "ideographDigital", "%1-%2")
    + "</w:abstractNum>"
    '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
    # numId 2 restarts the outline's second level at （五）; it shares numId 1's counters.
    '<w:num w:numId="2"><w:abstractNumId w:val="0"/>'
    '<w:lvlOverride w:ilvl="1"><w:startOverride w:val="5"/></w:lvlOverride></w:num>'
    '<w:num w:numId="3"><w:abstractNumId w:val="1"/></w:num>'
    "</w:numbering>"
).encode()


def numbered(document, text: str, num_id: int, ilvl: int):
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
        )
    )
    return paragraph


def outline_level(paragraph, value: int) -> None:
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{value}"/>')
    )


def tracked(paragraph, inserted: str, deleted: str) -> None:
    """An inserted run (a reader sees it) and a deleted one (a reader does not)."""
    paragraph._p.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="1" w:author="a"><w:r><w:t>{inserted}</w:t></w:r></w:ins>'
        )
    )
    paragraph._p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="2" w:author="a"><w:r><w:delText>{deleted}</w:delText>'
            "</w:r></w:del>"
        )
    )


def with_numbering(data: bytes, numbering: bytes = NUMBERING) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, numbering if item.filename == "word/numbering.xml" else content)
    return out.getvalue()


def save(document, path) -> None:
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(with_numbering(buffer.getvalue()))


def auto_numbered_report(path) -> None:
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "内部资料 加微信群领取更多范文"
    section.footer.paragraphs[0].text = "某某网整理 页脚推广"
    document.add_paragraph("某某区市场监管局2022年工作总结和2023年工作打算", style="Title")
    document.add_paragraph("2022年，我局围绕中心、服务大局，各项工作取得新进展。")
    numbered(document, "强化市场监管", 1, 0)
    numbered(document, "抓实食品安全。全年抽检食品XX批次，合格率X%。", 1, 1)
    special = numbered(document, "抓好特种设备安全。", 1, 1)
    document.add_comment(special.runs, text="批注：这段数据请再核实", author="审稿人")
    numbered(document, "开展电梯隐患排查XX台次。", 1, 2)
    numbered(document, "督促整改隐患X处。", 1, 2)
    numbered(document, "夜间检查X次。", 1, 3)
    reform = numbered(document, "深化放管服改革。推行证照联办，", 2, 1)
    tracked(reform, "办理时限压缩一半。", "这句已被删除")
    reform.add_run("隐藏的备注").font.hidden = True
    numbered(document, "存在的问题", 1, 0)
    document.add_paragraph("基层监管力量不足，执法装备落后。")
    numbered(document, "2023年工作打算", 1, 0)
    numbered(document, "推进智慧监管。建设监管平台一个。", 1, 1)
    unnumbered = document.add_paragraph("附件")
    outline_level(unnumbered, 0)
    numbered(document, "重点任务清单", 3, 0)
    numbered(document, "平台建设", 3, 1)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [("岗位", "数量", "说明"), ("党员先锋岗", "26个", "覆盖所有所站"), ("", "3个", "新设")]
    ):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 0))  # a vertically merged first column
    save(document, path)


def test_rendered_numbers_as_a_reader_sees_them(tmp_path):
    path = tmp_path / "numbered.docx"
    auto_numbered_report(path)
    lines = [line for line in read_source(path).lines if line.strip()]
    assert lines[2:9] == [
        "一、强化市场监管",
        "（一）抓实食品安全。全年抽检食品XX批次，合格率X%。",
        "（二）抓好特种设备安全。",
        "1.开展电梯隐患排查XX台次。",
        "2.督促整改隐患X处。",
        "（1）夜间检查X次。",
        "（五）深化放管服改革。推行证照联办，办理时限压缩一半。",
    ]
    assert "二、存在的问题" in lines and "三、2023年工作打算" in lines
    assert "（一）推进智慧监管。建设监管平台一个。" in lines  # restarted under 三、
    assert "A.重点任务清单" in lines and "A-一平台建设" in lines
    assert not any(
        word in line for line in lines for word in ("已被删除", "推广", "微信", "批注", "隐藏")
    )


def test_auto_numbered_docx_keeps_its_outline_kinds_and_years(service, tmp_path):
    path = tmp_path / "numbered.docx"
    auto_numbered_report(path)
    [result] = service.ingest([path])
    assert result.status == "added", result.reason
    assert result.title == "某某区市场监管局2022年工作总结和2023年工作打算"
    assert result.parts == 3
    chunks = service.store.document_chunks(result.doc_id)
    kinds = {c.path: (c.kind,) for c in chunks}
    assert kinds[("一、强化市场监管", "（一）抓实食品安全")] == ("work",)
    assert kinds[("一、强化市场监管", "（二）抓好特种设备安全", "1.开展电梯隐患排查XX台次")] == (
        "work",
    )
    assert kinds[("二、存在的问题",)] == ("problem",)
    assert kinds[("三、2023年工作打算", "（一）推进智慧监管")] == ("plan",)
    assert service.search("智慧监管平台", year=2023).hits
    assert all(hit.kind != "plan" for hit in service.search("智慧监管平台", year=2022).hits)
    assert service.search("食品抽检合格率", year=2022).hits
    hit = service.search("放管服 证照联办", 1).hits[0]
    assert hit.section_path == ("一、强化市场监管", "（五）深化放管服改革")
    assert "办理时限压缩一半" in hit.text and "已被删除" not in hit.text


def test_table_rows_are_one_citable_line_each(service, tmp_path, db_path):
    path = tmp_path / "numbered.docx"
    auto_numbered_report(path)
    service.ingest([path])
    hit = service.search("党员先锋岗有几个", 1).hits[0]
    assert "党员先锋岗 | 26个 | 覆盖所有所站" in hit.text
    assert "党员先锋岗 | 3个 | 新设" in hit.text  # the merged cell is repeated on its row
    assert hit.section_path[0] == "附件" and hit.kind == "other"
    with sqlite3.connect(db_path) as conn:
        texts = " ".join(t for (t,) in conn.execute("select text from chunks"))
    assert "微信" not in texts and "推广" not in texts and "已被删除" not in texts


def test_outline_level_and_heading_styles_without_numbers(service, tmp_path):
    document = docx.Document()
    document.add_heading("某某学校2023年党建工作总结", level=0)
    outline_level(document.add_paragraph("主要成效"), 0)
    outline_level(document.add_paragraph("理论学习"), 1)
    document.add_paragraph("全年组织集中学习XX次。")
    document.add_heading("不足之处", level=1)
    document.add_paragraph("学习形式比较单一。")
    path = tmp_path / "outline.docx"
    document.save(path)
    [result] = service.ingest([path])
    paths = {c.path: c.kind for c in service.store.document_chunks(result.doc_id)}
    assert paths == {("主要成效", "理论学习"): "work", ("不足之处",): "problem"}


@pytest.mark.parametrize(
    "n,fmt,expected",
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCounting", "十一"),
        (20, "chineseCountingThousand", "二十"),
        (105, "chineseCountingThousand", "一百零五"),
        (12, "japaneseCounting", "十二"),
        (10, "ideographDigital", "一〇"),
        (3, "upperLetter", "C"),
        (28, "lowerLetter", "bb"),
        (4, "upperRoman", "IV"),
        (14, "lowerRoman", "xiv"),
        (2, "decimalEnclosedCircle", "②"),
        (7, "decimalZero", "07"),
        (3, "chineseLegalSimplified", "叁"),
        (2, "ideographTraditional", "乙"),
        (5, "unknownFormat", "5"),
    ],
)
def test_number_formats(n, fmt, expected):
    assert format_number(n, fmt) == expected


def test_chinese_counting_round_trips_below_ten_thousand():
    assert chinese_count(1010) == "一千零一十"
    assert chinese_count(9999) == "九千九百九十九"


def test_large_docx_reads_faster_than_a_megabyte_a_second(tmp_path):
    document = docx.Document()
    for i in range(3000):
        numbered(
            document, f"第{i}条工作。全年开展活动X次，覆盖党员XX人，群众满意度持续提升。", 1, i % 3
        )
    path = tmp_path / "big.docx"
    save(document, path)
    size = len(zipfile.ZipFile(path).read("word/document.xml"))
    started = time.perf_counter()
    source = read_source(path)
    seconds = time.perf_counter() - started
    assert len([line for line in source.lines if line]) == 3000
    assert size / seconds > 1_000_000, f"{size / seconds / 1e6:.2f} MB/s"


def test_style_numbering_follows_the_paragraph_style(tmp_path):
    document = docx.Document()
    style = document.styles["Heading 1"]
    style.element.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>')
    )
    document.add_paragraph("某某局2023年工作总结", style="Title")
    document.add_paragraph("主要工作", style="Heading 1")
    document.add_paragraph("正文。")
    document.add_paragraph("存在问题", style="Heading 1")
    path = tmp_path / "styled.docx"
    save(document, path)
    lines = [line for line in read_source(path).lines if line]
    assert lines[1] == "一、主要工作" and lines[3] == "二、存在问题"
    assert qn("w:numPr")  # the style, not the paragraph, carries the number


def test_custom_number_format_inside_alternate_content(tmp_path):
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    numbering = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:numbering {W_NS} {mc}>'
        '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<mc:AlternateContent><mc:Choice Requires="w14">'
        '<w:numFmt w:val="custom" w:format="一, 二, 三, ..."/></mc:Choice>'
        '<mc:Fallback><w:numFmt w:val="decimal"/></mc:Fallback></mc:AlternateContent>'
        '<w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    ).encode()
    document = docx.Document()
    numbered(document, "主要工作", 1, 0)
    numbered(document, "存在问题", 1, 0)
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "custom.docx"
    path.write_bytes(with_numbering(buffer.getvalue(), numbering))
    lines = [line for line in read_source(path).lines if line]
    assert lines[:2] == ["一、主要工作", "二、存在问题"]  # a tab after the number is dropped
