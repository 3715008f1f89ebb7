"""Build the committed office fixtures from report.txt (our own text), once, with LibreOffice.

Not run by the tests (CI has no LibreOffice). Needs python-docx, pypdfium2, Pillow and
`soffice` on PATH (Debian: libreoffice-writer-nogui, fonts-noto-cjk):

    python tests/data/formats/make_fixtures.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
HEADER = "某某县交通运输局年度材料汇编"
TABLE = [
    ("序号", "项目名称", "完成投资", "进度"),
    ("1", "县城至某某镇二级公路改建", "XX亿元", "路基完成"),
    ("2", "农村公路提档升级", "XX万元", "完工"),
]


def page_field(paragraph) -> None:
    """Footer "第 N 页" with a PAGE field, as offices number their pages."""
    paragraph.add_run("第 ")
    run = paragraph.add_run()
    for kind, text in (
        ("begin", None),
        (None, "PAGE"),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    paragraph.add_run(" 页")


def build_docx(path: Path, columns: int = 1, size: int = 16) -> None:
    lines = (HERE / "report.txt").read_text(encoding="utf-8").splitlines()
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(size)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Serif CJK SC")
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_field(footer)
    title = document.add_paragraph(lines[0])
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if columns > 1:
        cols = section._sectPr.find(qn("w:cols"))
        if cols is None:
            cols = OxmlElement("w:cols")
            section._sectPr.append(cols)
        cols.set(qn("w:num"), str(columns))
        cols.set(qn("w:space"), "425")
    for line in lines[1:]:
        document.add_paragraph(line)
    table = document.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    table.style = "Table Grid"
    for r, row in enumerate(TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.save(path)


def convert(source: Path, target_ext: str, out: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["soffice", "--headless", "--convert-to", target_ext, "--outdir", tmp, str(source)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        [made] = Path(tmp).iterdir()
        shutil.move(made, out)
    return out


def scan(pdf: Path, out: Path, dpi: int = 300, top: float = 0.075, share: float = 0.5) -> None:
    """An image-only PDF of the top of the first page: what a scanner makes of a report.

    Only from below the running header (`top`) to `share` of the page, so the OCR test
    stays a few seconds long.
    """
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    image = image.crop((0, int(image.height * top), image.width, int(image.height * share)))
    image.save(out, "PDF", resolution=dpi, quality=60)


def encrypted(pdf: Path, docx_path: Path) -> None:
    """Password-protected copies (password "secret"): a small PDF and a .docx.

    Needs pypdf and msoffcrypto-tool, used here only.
    """
    import msoffcrypto.format.ooxml
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_page(pypdf.PdfReader(pdf).pages[0])
    writer.encrypt("secret", algorithm="AES-128")
    with (HERE / "encrypted.pdf").open("wb") as out:
        writer.write(out)
    small = docx.Document()
    small.add_paragraph("某某局2023年工作总结")
    small.add_paragraph("一、主要工作")
    plain = docx_path.with_name("plain.docx")
    small.save(plain)
    with plain.open("rb") as source, (HERE / "encrypted.docx").open("wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("secret", out)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one, two = tmp / "report.docx", tmp / "report-two-columns.docx"
        build_docx(one)
        build_docx(two, columns=2, size=11)
        convert(one, "pdf", HERE / "report.pdf")
        convert(two, "pdf", HERE / "report-two-columns.pdf")
        convert(one, "doc", HERE / "report.doc")
        shutil.copy(HERE / "report.doc", HERE / "report.wps")
        scan(HERE / "report.pdf", HERE / "scan.pdf")
        encrypted(HERE / "report-two-columns.pdf", one)
        numbered = tmp / "numbered.docx"  # Word list numbers and a tracked deletion, as .doc
        sys.path.insert(0, str(HERE.parents[1]))
        from test_docx_numbering import auto_numbered_report

        auto_numbered_report(numbered)
        convert(numbered, "doc", HERE / "numbered.doc")


if __name__ == "__main__":
    main()
