"""Build the committed office fixtures from report.txt (our own text), once, with LibreOffice.

Not run by the tests (CI has no LibreOffice). Needs python-docx, pypdfium2, Pillow and
`soffice` on PATH (Debian: libreoffice-writer-nogui, fonts-noto-cjk):

    python tests/data/formats/make_fixtures.py
"""

from __future__ import annotations

import shutil
import subprocess
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
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"),
                       ("end", None)):
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
        subprocess.run(["soffice", "--headless", "--convert-to", target_ext, "--outdir", tmp,
                        str(source)], check=True, capture_output=True, timeout=120)
        [made] = Path(tmp).iterdir()
        shutil.move(made, out)
    return out


def scan(pdf: Path, out: Path, dpi: int = 300) -> None:
    """An image-only PDF of the first page: what a scanner makes of a printed report."""
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    image.save(out, "PDF", resolution=dpi, quality=70)


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


if __name__ == "__main__":
    main()
