"""Figures for docs/formats.md: PDF library choice, .docx throughput, OCR accuracy and speed.

    python benchmarks/bench_formats.py            # needs the ocr extra; pdfminer.six optional

OCR accuracy is 1 - (Levenshtein distance / reference length) over the page's characters
with white space removed, against the text layer of the same page of a PDF LibreOffice made
from our own text (tests/data/formats/report.pdf), rendered at each resolution.
"""

from __future__ import annotations

import io
import re
import sys
import time
import zipfile
from pathlib import Path

import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "formats"
PARAGRAPH = "干部职工的政治判断力和执行力进一步提升"  # crosses a line break in both columns


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def pdf_libraries() -> None:
    print("## PDF text extraction (ms per file, best of 5; reading order kept?)")
    for name in ("report.pdf", "report-two-columns.pdf"):
        path = DATA / name
        best, text = 1e9, ""
        for _ in range(5):
            started = time.perf_counter()
            document = pdfium.PdfDocument(str(path))
            text = "".join(page.get_textpage().get_text_bounded() for page in document)
            best = min(best, time.perf_counter() - started)
        print(
            f"pypdfium2    {name:24} {best * 1000:6.1f} ms  order kept: "
            f"{PARAGRAPH in squeeze(text)}"
        )
        try:
            from pdfminer.high_level import extract_text
        except ImportError:
            print("pdfminer.six not installed: pip install pdfminer.six to compare")
            continue
        best = 1e9
        for _ in range(5):
            started = time.perf_counter()
            text = extract_text(str(path))
            best = min(best, time.perf_counter() - started)
        print(
            f"pdfminer.six {name:24} {best * 1000:6.1f} ms  order kept: "
            f"{PARAGRAPH in squeeze(text)}"
        )


def docx_throughput() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    import docx
    from test_docx_numbering import numbered, with_numbering

    from reportbot.retrieval.formats import read_source

    document = docx.Document()
    for i in range(20000):
        numbered(
            document, f"第{i}条。全年开展活动X次，覆盖党员XX人，群众满意度持续提升。", 1, i % 3
        )
    buffer = io.BytesIO()
    document.save(buffer)
    path = Path("/tmp/bench-formats.docx")
    path.write_bytes(with_numbering(buffer.getvalue()))
    size = len(zipfile.ZipFile(path).read("word/document.xml"))
    started = time.perf_counter()
    read_source(path)
    seconds = time.perf_counter() - started
    print(
        f"## .docx: {size / 1e6:.1f} MB document.xml (20,000 numbered paragraphs) in "
        f"{seconds:.2f} s = {size / seconds / 1e6:.1f} MB/s"
    )


def ocr() -> None:
    from rapidocr_onnxruntime import RapidOCR

    from reportbot.retrieval.formats.ocr import MAX_SIDE_PIXELS, OCR_DPI

    print("## OCR (rapidocr-onnxruntime), clean renders of report.pdf pages")
    document = pdfium.PdfDocument(str(DATA / "report.pdf"))
    runs = [
        (f"max side {MAX_SIDE_PIXELS} px (ours)", {"max_side_len": MAX_SIDE_PIXELS}, dpi)
        for dpi in (OCR_DPI, 300)
    ] + [("engine default (2000 px)", {}, 300)]
    for label, options, dpi in runs:
        started = time.perf_counter()
        engine = RapidOCR(**options)
        load = time.perf_counter() - started
        errors = chars = missed = 0
        seconds = 0.0
        for page in document:
            reference = squeeze(page.get_textpage().get_text_bounded())
            image = page.render(scale=dpi / 72, grayscale=True).to_numpy()
            started = time.perf_counter()
            result, _ = engine(image, use_cls=False)
            seconds += time.perf_counter() - started
            hypothesis = squeeze("".join(text for _, text, _ in result or ()))
            errors += levenshtein(reference, hypothesis)
            chars += len(reference)
            missed += reference.count("（二）") - hypothesis.count("（二）")
        pages = len(document)
        print(
            f"{label}, {dpi} dpi render: accuracy {1 - errors / chars:.2%} ({errors} errors "
            f"in {chars} chars, {missed} line-initial （二） missed), "
            f"{seconds / pages:.1f} s/page, model load {load:.1f} s"
        )


if __name__ == "__main__":
    pdf_libraries()
    docx_throughput()
    ocr()
