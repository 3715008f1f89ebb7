"""PDF (text and scanned), .doc and .wps through the real ingest; bad office files refused.

The fixtures in tests/data/formats were made once from report.txt (our own text) by
make_fixtures.py with LibreOffice; CI needs no LibreOffice. Each carries a running header
("某某县交通运输局年度材料汇编") and a page-number footer that must never be indexed,
except scan.pdf: the top half of page 1 below the header, so that OCR takes seconds.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from reportbot.bot.cli import cli
from reportbot.retrieval.formats import ocr

DATA = Path(__file__).parent / "data" / "formats"
HEADER = "某某县交通运输局年度材料汇编"
TITLE = "某某县交通运输局2023年工作总结和2024年工作安排"
TIME_LIMIT = 10.0


def copy(name: str, tmp_path: Path, as_name: str | None = None) -> Path:
    target = tmp_path / (as_name or name)
    shutil.copy(DATA / name, target)
    return target


def stored_texts(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        return "\n".join(text for (text,) in conn.execute("select text from chunks"))


def outline(service, doc_id: int) -> dict[tuple[str, ...], str]:
    return {c.path: c.kind for c in service.store.document_chunks(doc_id)}


def assert_report_structure(service, result, db_path) -> None:
    """The fixture report's outline: two 第X部分, a problem tail, plans for 2024, an annex."""
    assert result.status == "added", result.reason
    assert result.title == TITLE and result.parts == 2
    paths = outline(service, result.doc_id)
    work = next(p for p in paths if p and p[-1] == "（一）抓实理论学习")
    assert work[0].startswith("第一部分") and work[1] == "一、坚持党建引领，筑牢思想根基"
    assert paths[work] == "work"
    assert paths[next(p for p in paths if p and p[-1] == "（二）推进数字交通")] == "plan"
    problems = [c for c in service.store.document_chunks(result.doc_id) if c.kind == "problem"]
    assert len(problems) == 1 and problems[0].text.startswith("但也存在一些问题和不足")
    assert paths[("附件：2023年重点项目完成情况表",)] == "other"
    texts = stored_texts(db_path)
    assert HEADER not in texts and "第 1 页" not in texts and "第1页" not in texts
    plan = service.search("城乡公交线路", 1, year=2024).hits
    assert plan and plan[0].kind == "plan"
    assert all(h.kind != "plan" for h in service.search("城乡公交线路", 5, year=2023).hits)


@pytest.mark.parametrize("name", ["report.pdf", "report-two-columns.pdf"])
def test_text_pdf_keeps_structure_and_drops_headers_and_page_numbers(
    service, db_path, tmp_path, name
):
    [result] = service.ingest([copy(name, tmp_path)])
    assert_report_structure(service, result, db_path)


def test_pdf_lines_broken_by_the_page_width_are_one_paragraph(service, tmp_path):
    service.ingest([copy("report-two-columns.pdf", tmp_path)])
    hit = service.search("理论学习 调研报告", 1).hits[0]
    assert hit.text == (
        "（一）抓实理论学习。局党组全年开展中心组集中学习12次，围绕交通强国建设、"
        "安全生产等专题开展研讨6次，班子成员撰写调研报告XX篇。各支部结合“三会一课”"
        "开展集中学习，做到学习有计划、有记录、有交流，干部职工的政治判断力和执行力"
        "进一步提升。"
    )


def test_pdf_passages_cite_their_page(service, tmp_path):
    service.ingest([copy("report.pdf", tmp_path)])
    hit = service.search("数字交通 综合监管平台", 1).hits[0]
    assert hit.page == 3 and hit.citation.endswith("（二）推进数字交通 · 第3页")
    first = service.search("理论学习 调研报告", 1).hits[0]
    assert first.page == 1


def test_pdf_citation_page_on_the_command_line(tmp_path, db_path):
    runner = CliRunner()
    runner.invoke(
        cli,
        ["--db", str(db_path), "ingest", str(copy("report.pdf", tmp_path))],
        catch_exceptions=False,
    )
    result = runner.invoke(
        cli, ["--db", str(db_path), "search", "城乡公交线路", "-k", "1"], catch_exceptions=False
    )
    assert "第3页" in result.output


@pytest.mark.parametrize("name", ["report.doc", "report.wps"])
def test_word_97_and_wps_files(service, db_path, tmp_path, name):
    [result] = service.ingest([copy(name, tmp_path)])
    assert_report_structure(service, result, db_path)
    hit = service.search("县城至某某镇二级公路改建 完成投资", 3).hits
    assert any("1 | 县城至某某镇二级公路改建 | XX亿元 | 路基完成" in h.text for h in hit)


def test_doc_renamed_docx_is_read_for_what_it_is(service, db_path, tmp_path):
    [result] = service.ingest([copy("report.doc", tmp_path, "renamed.docx")])
    assert result.status == "added", result.reason
    assert result.title == TITLE


def test_doc_that_is_really_html_is_read_as_html(service, tmp_path):
    path = tmp_path / "网页格式.doc"
    page = (
        "<html xmlns:o='urn:schemas-microsoft-com:office:office'><head>"
        "<meta charset='gb2312'><style>p.MsoNormal{margin:0}</style></head><body>"
        "<p class=MsoNormal>某某街道2023年工作总结</p><p>一、主要工作</p>"
        "<p>全年走访群众XX户，化解矛盾纠纷X起。<o:p></o:p></p>"
        "<p>二、存在的问题</p><p>网格员队伍不稳定。</p></body></html>"
    )
    path.write_bytes(page.encode("gb18030"))
    [result] = service.ingest([path])
    assert result.status == "added", result.reason
    assert result.title == "某某街道2023年工作总结" and result.parts == 2
    hit = service.search("网格员队伍", 1).hits[0]
    assert hit.kind == "problem" and "<" not in hit.text and "Mso" not in hit.text


def refused(service, db_path, path: Path, *words: str) -> str:
    with sqlite3.connect(db_path) as conn:
        before = conn.execute("select count(*) from chunks").fetchone()[0]
    started = time.perf_counter()
    [result] = service.ingest([path])
    assert time.perf_counter() - started < TIME_LIMIT
    assert result.status == "failed", result
    assert path.name in result.reason and "\n" not in result.reason
    assert all(word in result.reason for word in words), result.reason
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from chunks").fetchone()[0] == before
    return result.reason


def test_broken_pdf(service, db_path, tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes((DATA / "report.pdf").read_bytes()[:3000])
    refused(service, db_path, path, "not a readable PDF")


def test_encrypted_pdf(service, db_path, tmp_path):
    refused(service, db_path, copy("encrypted.pdf", tmp_path), "password-protected")


def test_password_protected_docx(service, db_path, tmp_path):
    refused(service, db_path, copy("encrypted.docx", tmp_path), "password-protected")


def test_pdf_of_two_thousand_pages_is_refused_before_extraction(service, db_path, tmp_path):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(2000):
        document.new_page(200, 200).close()
    path = tmp_path / "2000页.pdf"
    document.save(str(path))
    document.close()
    refused(service, db_path, path, "2,000 pages", "500-page limit")


def test_rtf_named_doc_without_libreoffice(service, db_path, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = tmp_path / "总结.doc"
    path.write_bytes(rb"{\rtf1\ansi\ansicpg936 {\f0 \'c4\'b3\'be\'d6}\par}")
    refused(service, db_path, path, "RTF", "install LibreOffice")


def test_ole_file_that_is_not_word(service, db_path, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    data = bytearray((DATA / "report.doc").read_bytes())
    data[data.find("WordDocument".encode("utf-16-le"))] = ord("X")  # rename the stream
    path = tmp_path / "表格.wps"
    path.write_bytes(bytes(data))
    refused(service, db_path, path, "without a Word document", "install LibreOffice")


def test_scanned_pdf_without_the_ocr_extra(service, db_path, tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    reason = refused(service, db_path, copy("scan.pdf", tmp_path), "no usable text layer")
    assert reason.endswith('pip install "reportbot[ocr]"')


def test_scanned_pdf_is_read_by_ocr(service, db_path, tmp_path):
    if not ocr.ocr_available():
        pytest.skip('OCR extra not installed: pip install -e ".[ocr]"')
    [result] = service.ingest([copy("scan.pdf", tmp_path)])
    assert result.status == "added", result.reason
    assert result.title == TITLE
    assert [w.code for w in result.warnings] == ["ocr"]
    hit = service.search("理论学习 调研报告", 1).hits[0]
    assert hit.section_path[-1] == "（一）抓实理论学习" and hit.page == 1
    assert "第 1 页" not in stored_texts(db_path) and HEADER not in stored_texts(db_path)


def test_ingest_warns_about_a_file_of_mostly_tables_on_the_command_line(db_path, tmp_path):
    document = docx.Document()
    document.add_paragraph("某某局2023年工作情况统计")
    table = document.add_table(rows=12, cols=3)
    for r in range(12):
        for c in range(3):
            table.cell(r, c).text = f"项目{r}-{c}"
    path = tmp_path / "tables.docx"
    document.save(path)
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "ingest", str(path)], catch_exceptions=False
    )
    assert "warning: tables.docx: mostly tables (12 of 12 lines are table rows)" in result.output


def test_chat_upload_of_a_pdf_and_a_table_file_with_the_same_warnings(tmp_path):
    from telegram_harness import ADMIN, BotHarness

    harness = BotHarness(tmp_path)
    try:
        text = harness.upload("report.pdf", (DATA / "report.pdf").read_bytes(), user_id=ADMIN)[
            -1
        ].params["text"]
        assert "已导入" in text and "第一部分" in text and "注意" not in text
        document = docx.Document()
        document.add_paragraph("某某局2023年工作情况统计")
        table = document.add_table(rows=6, cols=2)
        for r in range(6):
            table.cell(r, 0).text, table.cell(r, 1).text = f"指标{r}", f"{r}项"
        path = tmp_path / "统计.docx"
        document.save(path)
        text = harness.upload("统计.docx", path.read_bytes(), user_id=ADMIN)[-1].params["text"]
        assert "以表格为主（6/6 行是表格行）" in text
    finally:
        harness.close()


def test_doc_with_word_list_numbers_and_a_tracked_deletion(service, db_path, tmp_path):
    [result] = service.ingest([copy("numbered.doc", tmp_path)])
    assert result.status == "added", result.reason
    assert result.parts == 3
    paths = outline(service, result.doc_id)
    assert (
        paths[("一、强化市场监管", "（二）抓好特种设备安全", "1.开展电梯隐患排查XX台次")] == "work"
    )
    assert paths[("二、存在的问题",)] == "problem"
    assert paths[("三、2023年工作打算", "（一）推进智慧监管")] == "plan"
    texts = stored_texts(db_path)
    assert "办理时限压缩一半" in texts and "已被删除" not in texts
    assert "党员先锋岗 | 26个 | 覆盖所有所站" in texts


def test_scanned_page_claiming_a_huge_size_is_rendered_small(service, db_path, tmp_path):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    document.new_page(14000, 14000).close()  # about 5 metres square, no text layer
    path = tmp_path / "huge.pdf"
    document.save(str(path))
    document.close()
    refused(service, db_path, path, "no text")


def test_two_year_report_files_its_plans_under_the_later_year(service, seeds):
    service.ingest([seeds / "003_c74f7c1147f421d0.txt"])
    plans = service.search("乡村振兴 第一书记", 5, year=2021).hits
    assert plans and all(hit.kind == "plan" for hit in plans)
    assert all(hit.kind != "plan" for hit in service.search("乡村振兴 第一书记", 5, year=2020).hits)


def scan_image(tmp_path: Path, suffix: str) -> Path:
    """The scan fixture's page saved as an image file, as a phone or scanner app would."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(DATA / "scan.pdf"))
    image = document[0].render(scale=200 / 72, grayscale=True).to_pil()
    image = image.crop((0, 0, image.width, image.height * 3 // 5))  # title, first paragraph
    path = tmp_path / f"扫描件{suffix}"
    image.save(path)
    document.close()
    return path


def test_scanned_image_is_read_by_ocr(service, tmp_path):
    if not ocr.ocr_available():
        pytest.skip('OCR extra not installed: pip install -e ".[ocr]"')
    [result] = service.ingest([scan_image(tmp_path, ".png")])
    assert result.status == "added", result.reason
    assert result.title == TITLE and "ocr" in [w.code for w in result.warnings]
    hit = service.search("固定资产投资", 1).hits[0]
    assert "全年完成交通固定资产投资XX亿元" in hit.text  # re-joined across the line break


def test_image_without_the_ocr_extra_and_a_broken_image(service, db_path, tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    reason = refused(service, db_path, scan_image(tmp_path, ".jpg"), "needs OCR")
    assert reason.endswith('pip install "reportbot[ocr]"')
    monkeypatch.setattr(ocr, "ocr_available", lambda: True)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    refused(service, db_path, broken, "not a readable image")


def test_pdf_text_layer_without_a_unicode_map_counts_as_a_scan():
    from reportbot.retrieval.formats.pdf import _Line, _needs_ocr

    def line(text: str) -> _Line:
        return _Line(0, 0, 100, 10, text)

    assert _needs_ocr([line("第 1 页")])  # only furniture: a scan with a stamped number
    assert _needs_ocr([line("\ue012\ue0a3\ue011" * 20)])  # glyph ids, not characters
    assert not _needs_ocr([line("全年开展中心组集中学习12次，围绕交通强国建设开展研讨6次。")])
