"""OCR for scanned PDF pages and images, with the optional `ocr` extra.

rapidocr-onnxruntime 1.4.x ships its PP-OCR detection, direction and recognition models
inside the wheel, so it works offline; rapidocr 2.x/3.x download models on first use, which
fails without a network. Pages are rendered at OCR_DPI and each recognised text line
becomes a positioned line, so the same paragraph re-flow and header/footer removal as for
text PDFs applies.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import DocumentError
from .base import SourceText

OCR_DPI = 200
# The engine scales each page so its longer side is at most this many pixels (its default
# is 2000). At 1280 the detector stopped missing line-initial "（二）" (6 of 6 found on our
# fixture instead of 3) and accuracy rose from 97.8 % to 98.7 %: see docs/formats.md.
MAX_SIDE_PIXELS = 1280
MAX_OCR_PAGES = 30
# A page is never rendered larger than this on its longer side, whatever size it claims
# (a hostile PDF can declare a page of 5 × 5 metres).
MAX_RENDER_PIXELS = 2400
# An image file may hold at most this many pixels (a 600-dpi A3 scan is about 70 million).
MAX_IMAGE_PIXELS = 100_000_000
MIN_CONFIDENCE = 0.5
INSTALL_HINT = 'pip install "reportbot[ocr]"'


@lru_cache(maxsize=1)
def _engine():
    """The OCR engine, loaded once per process (about a second: three ONNX models)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(max_side_len=MAX_SIDE_PIXELS)


def ocr_available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def ocr_pages(path: Path, document, numbers: list[int]) -> dict[int, list]:
    """Lines of the given (0-based) pages read by OCR; a clear error when OCR is missing."""
    if not numbers:
        return {}
    if not ocr_available():
        raise DocumentError(
            f"{path.name}: {_pages_phrase(numbers, len(document))} no usable text layer (a scan?); "
            f"OCR is not installed: {INSTALL_HINT}"
        )
    if len(numbers) > MAX_OCR_PAGES:
        raise DocumentError(
            f"{path.name}: {len(numbers)} scanned pages, over the "
            f"{MAX_OCR_PAGES}-page OCR limit; split it and try again"
        )
    return {number: _page(document[number]) for number in numbers}


def _pages_phrase(numbers: list[int], total: int) -> str:
    if len(numbers) == total:
        return "the PDF has" if total > 1 else "the page has"
    return f"{len(numbers)} of {total} pages have"


def _page(page) -> list:
    """Recognised text lines of one page as positioned lines (PDF coordinates, y up)."""
    width, height = page.get_width(), page.get_height()
    scale = min(OCR_DPI / 72, MAX_RENDER_PIXELS / max(width, height, 1.0))
    try:
        image = page.render(scale=scale, grayscale=True).to_numpy()
    finally:
        page.close()
    return _recognise(image, scale, height)


def _recognise(image, scale: float, height: float) -> list:
    """OCR one page image; boxes become lines in page units (1/scale pixels, y up)."""
    from .pdf import _Line

    result, _ = _engine()(image, use_cls=False)  # reports are scanned upright
    lines = []
    for box, text, score in result or ():
        if float(score) < MIN_CONFIDENCE or not text.strip():
            continue
        xs = [point[0] / scale for point in box]
        ys = [height - point[1] / scale for point in box]
        lines.append(_Line(min(xs), min(ys), max(xs), max(ys), text, ocr=True))
    lines.sort(key=lambda line: -(line.top + line.bottom) / 2)
    return _merge_same_line(lines)


def _merge_same_line(lines: list) -> list:
    """Boxes side by side on one text line become one line, left to right."""
    merged: list = []
    for line in lines:
        last = merged[-1] if merged else None
        middle = (line.bottom + line.top) / 2
        if last and last.bottom <= middle <= last.top and line.left >= last.right - 2:
            gap = line.left - last.right
            last.text += ("\t" if gap > 0.8 * last.height else "") + line.text
            last.gaps += gap > 0.8 * last.height
            last.right, last.top = max(last.right, line.right), max(last.top, line.top)
            last.bottom = min(last.bottom, line.bottom)
        else:
            merged.append(line)
    return merged


def read_image(path: Path) -> SourceText:
    """A scanned page saved as an image (PNG, JPEG, TIFF, BMP; each TIFF frame a page)."""
    if not ocr_available():
        raise DocumentError(
            f"{path.name}: an image needs OCR, which is not installed: {INSTALL_HINT}"
        )
    import numpy as np
    from PIL import Image, ImageSequence, UnidentifiedImageError

    from .pdf import flow

    pages = []
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise DocumentError(
                    f"{path.name}: image is {image.width}×{image.height} pixels, "
                    f"over the {MAX_IMAGE_PIXELS:,}-pixel limit"
                )
            for number, frame in enumerate(ImageSequence.Iterator(image)):
                if number >= MAX_OCR_PAGES:
                    raise DocumentError(
                        f"{path.name}: more than {MAX_OCR_PAGES} pages, over "
                        "the OCR limit; split it and try again"
                    )
                page = frame.convert("L")
                page.thumbnail((MAX_RENDER_PIXELS, MAX_RENDER_PIXELS))
                height = float(page.height)
                pages.append((_recognise(np.asarray(page), 1.0, height), float(page.width), height))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise DocumentError(
            f"{path.name}: not a readable image ({type(error).__name__})"
        ) from error
    source = flow(pages, len(pages))
    return SourceText(
        source.lines,
        "image",
        source.levels,
        pages=source.pages,
        tables=source.tables,
        ocr_pages=source.ocr_pages,
    )
