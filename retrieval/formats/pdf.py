"""PDF: the text layer through PDFium (pypdfium2), re-flowed into paragraphs, page by page.

pypdfium2 was chosen by measurement (docs/formats.md): about 7 times faster than
pdfminer.six on our fixtures, and it keeps LibreOffice's two-column pages in reading order
where pdfminer's default layout analysis interleaves the columns. Lines come from PDFium's
text rectangles, so each has a position: a line that stops short of the column's right edge
ends its paragraph, a full one continues, and short lines repeated at the top or bottom of
many pages (running headers, footers, page numbers) are dropped. Pages without a text
layer are handed to OCR (formats/ocr.py), when the optional extra is installed.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import DocumentError
from .base import SourceText
from .text import INVISIBLE

MAX_PDF_PAGES = 500
# A page with fewer characters than this in its text layer is treated as a scan.
MIN_TEXT_CHARS = 20
# A page whose text layer is more than this share of unreadable characters is OCRed too.
GARBLED_SHARE = 0.3
# Top and bottom share of a page where running headers and footers live.
MARGIN_SHARE = 0.1
SENTENCE_END = "。！？!?"
CLAUSE_END = SENTENCE_END + "；：;:，,、”’）)"
PAGE_NUMBER = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[/，,、]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
# PDFium turns the gap a layout engine leaves between Chinese and digits into a space
# ("2023 年"); a space after 第X部分/章/篇 is the author's and stays.
_WIDE_ASCII_GAP = re.compile(
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])(?<!部分)(?<![章篇])"
    r" (?=[0-9A-Za-z%])"
    r"|(?<=[0-9A-Za-z%]) (?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
)
_WIDE_PUNCT = "、，。；：！？（）“”‘’《》【】 "
_GAP = "\t"
_CELL_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,3}[）)]"
    r"|\d{1,2}[.．、](?!\d)|第[一二三四五六七八九十]{1,3}(?:部分|章|篇)"
    r"|[一二三四五六七八九十]{1,3}是|附件)"
)


@dataclass
class _Line:
    left: float
    bottom: float
    right: float
    top: float
    text: str
    gaps: int = 0
    ocr: bool = False  # OCR boxes vary in height with their content: no font-size signal

    @property
    def height(self) -> float:
        return max(1.0, self.top - self.bottom)


def read_pdf(path: Path, max_bytes: int) -> SourceText:
    """Lines of a PDF with their page numbers; scanned pages OCRed when possible."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        raise DocumentError(f"{path.name}: {_pdfium_reason(str(error))}") from error
    try:
        pages = len(document)
        if pages > MAX_PDF_PAGES:
            raise DocumentError(
                f"{path.name}: PDF has {pages:,} pages, over the "
                f"{MAX_PDF_PAGES:,}-page limit; split it and try again"
            )
        if pages == 0:
            raise DocumentError(f"{path.name}: PDF has no pages")
        page_lines, scanned = [], []
        for number in range(pages):
            page = document[number]
            try:
                lines, width, height = _page_lines(page)
                page_lines.append((lines, width, height))
                if _needs_ocr(lines):
                    scanned.append(number)
            finally:
                page.close()
        ocred = {}
        if scanned:
            from .ocr import ocr_pages

            ocred = ocr_pages(path, document, scanned)
    except pdfium.PdfiumError as error:
        raise DocumentError(f"{path.name}: damaged PDF ({error})") from error
    finally:
        document.close()
    for number, lines in ocred.items():
        page_lines[number] = (lines, *page_lines[number][1:])
    return flow(page_lines, len(ocred))


def _needs_ocr(lines: list[_Line]) -> bool:
    """No text layer (a scan), or one that cannot be read: fonts without a Unicode map come
    out as private-use or replacement characters."""
    text = "".join(line.text for line in lines)
    if len(text) < MIN_TEXT_CHARS:
        return True
    unreadable = sum(1 for ch in text if "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd")
    return unreadable > GARBLED_SHARE * len(text)


def _pdfium_reason(message: str) -> str:
    if "password" in message.lower():
        return "PDF is password-protected (encrypted); save an unprotected copy and try again"
    if "format" in message.lower() or "file" in message.lower():
        return "not a readable PDF (damaged or not a PDF)"
    return f"not a readable PDF ({message})"


def _page_lines(page) -> tuple[list[_Line], float, float]:
    """Text segments merged into lines, in content-stream order (PDFium's reading order)."""
    textpage = page.get_textpage()
    try:
        lines: list[_Line] = []
        for index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(index)
            text = INVISIBLE.sub("", textpage.get_text_bounded(left, bottom, right, top))
            text = text.replace("\r", "").replace("\n", "")
            if not text.strip():
                continue
            last = lines[-1] if lines else None
            if last and _same_line(last, bottom, top) and left >= last.left:
                if left - last.right > 0.8 * last.height and last.text[-1] not in _WIDE_PUNCT:
                    last.gaps += 1  # a wide gap: table cells or tab stops
                    text = _GAP + text
                last.text += text
                last.right, last.bottom = max(last.right, right), min(last.bottom, bottom)
                last.top = max(last.top, top)
            else:
                lines.append(_Line(left, bottom, right, top, text))
        for line in lines:  # spaces PDFium put between Chinese words are cell gaps too
            line.text, found = _CELL_SPACE.subn(_GAP, line.text)
            line.gaps += found
        return lines, page.get_width(), page.get_height()
    finally:
        textpage.close()


def _same_line(line: _Line, bottom: float, top: float) -> bool:
    middle = (bottom + top) / 2
    return line.bottom - 1 <= middle <= line.top + 1


def flow(page_lines: list[tuple[list[_Line], float, float]], ocr_pages: int) -> SourceText:
    """Drop running headers/footers, then join lines broken by the page width."""
    running = _running_lines(page_lines)
    out: list[str] = []
    pages: list[int] = []
    tables: set[int] = set()
    previous, layout = None, None
    for number, (lines, width, height) in enumerate(page_lines, start=1):
        body = [line for line in lines if not _is_furniture(line, height, running)]
        page_layout = _Layout(body, width)
        for line in body:
            text = _line_text(line)
            same_page = layout is page_layout
            if line.gaps >= 2:
                tables.add(len(out))
            if (
                out
                and previous
                and not line.gaps
                and not previous.gaps
                and _continues(previous, line, layout, out[-1], same_page)
            ):
                out[-1] += text
            else:
                out.append(text)
                pages.append(number)
            previous, layout = line, page_layout
        if not body:  # a blank page ends the paragraph before it
            previous = None
    return SourceText(
        tuple(out), "pdf", {}, pages=tuple(pages), tables=frozenset(tables), ocr_pages=ocr_pages
    )


def _line_text(line: _Line) -> str:
    """A line's text: spaces squeezed, none between Chinese and digits, cells joined by " | "."""
    cells = [_WIDE_ASCII_GAP.sub("", " ".join(cell.split())) for cell in line.text.split(_GAP)]
    return (" | " if line.gaps >= 2 else " ").join(cell for cell in cells if cell)


class _Layout:
    """Where a page's text columns end, and its usual gap between the lines of a paragraph."""

    def __init__(self, lines: list[_Line], width: float) -> None:
        self.middle = width / 2
        right = [line for line in lines if line.left >= self.middle - 5]
        left = [line for line in lines if line.left < self.middle - 5]
        two = len(right) >= max(3, len(lines) // 4) and len(left) >= 3
        self.edges = [
            _p90([x.right for x in left if x.right <= self.middle + 5])
            if two
            else _p90([x.right for x in left]),
            _p90([x.right for x in right]),
        ]
        self.two = two
        gaps = sorted(
            a.bottom - b.top
            for a, b in itertools.pairwise(lines)
            if 0 < a.bottom - b.top < 3 * a.height
        )
        self.gap = gaps[len(gaps) // 3] if gaps else None

    def edge(self, line: _Line) -> float:
        column = 1 if self.two and line.left >= self.middle - 5 else 0
        return self.edges[column] or line.right


def _p90(values: list[float]) -> float:
    values = sorted(values)
    return values[int(len(values) * 0.9)] if values else 0.0


def _has_wide(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _continues(previous: _Line, line: _Line, layout: _Layout, text: str, same_page: bool) -> bool:
    """Whether a line carries on the paragraph of the line before it.

    A change of font size or a wider gap than the page's usual line gap starts a new
    paragraph; so does a heading number. Otherwise a line that reaches the column's right
    edge, or stops short without punctuation (a word that would not fit), continues.
    """
    if not text:
        return False
    if (
        not (previous.ocr or line.ocr)
        and _has_wide(previous.text)
        and _has_wide(line.text)
        and abs(previous.height - line.height) > 0.15 * max(previous.height, line.height)
    ):
        return False
    if (
        same_page
        and layout.gap is not None
        and previous.bottom - line.top > layout.gap + 0.4 * previous.height
    ):
        return False
    full = previous.right >= layout.edge(previous) - 2 * previous.height
    ends_clause = text[-1] in CLAUSE_END
    start = _HEADING_START.match(line.text.strip())
    if start:  # an inline point (二是…) after a full line was only pushed down by the width
        return full and (not ends_clause or start.group().endswith("是"))
    if full:
        indented = line.left > previous.left + 1.5 * line.height
        return not (indented and text[-1] in SENTENCE_END)
    clearly_short = previous.right < layout.edge(previous) - 3 * previous.height
    return not ends_clause and not (clearly_short and _HEADING_START.match(text))


def _shape(text: str) -> str:
    """A line with its digits blurred: "第 3 页" and "第 4 页" repeat as one running line."""
    return re.sub(r"\d+", "#", "".join(text.split()))


def _running_lines(page_lines) -> set[str]:
    """Shapes of short lines in the page margins that recur on at least half the pages."""
    counts: Counter[str] = Counter()
    for lines, _, height in page_lines:
        counts.update(
            {
                _shape(line.text)
                for line in lines
                if _in_margin(line, height) and len(line.text) <= 60
            }
        )
    needed = max(2, (len(page_lines) + 1) // 2)
    return {shape for shape, count in counts.items() if count >= needed}


def _in_margin(line: _Line, height: float) -> bool:
    return line.bottom >= height * (1 - MARGIN_SHARE) or line.top <= height * MARGIN_SHARE


def _is_furniture(line: _Line, height: float, running: set[str]) -> bool:
    """A running header/footer or a page number: print furniture, not report text."""
    if not _in_margin(line, height):
        return False
    text = line.text.strip()
    return _shape(text) in running or bool(PAGE_NUMBER.match(text))
