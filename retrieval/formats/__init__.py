"""Read report files into lines of text: .txt .md .docx .pdf .doc .wps, scanned images.

Files come from anywhere, chat uploads included, so each limit is checked before the work
it protects (the size before reading, a .docx's unpacked size before unzipping, a PDF's
page count before extracting), and a file is recognised by its first bytes as well as its
name: a .doc saved as HTML, a .doc renamed .docx, an encrypted .docx (an OLE file) each
get the reader, or the one-line reason, that fits what they are.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError
from .base import DEFAULT_MAX_BYTES, SourceText, read_bytes, regular_file_size
from .docx import DOCX_UNPACK_RATIO, read_docx
from .text import decode_bytes, markdown_lines, plain_lines

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DOCX_UNPACK_RATIO",
    "SUPPORTED_SUFFIXES",
    "SourceText",
    "decode_bytes",
    "read_source",
]

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
DOCX_SUFFIXES = {".docx"}
PDF_SUFFIXES = {".pdf"}
WORD_BINARY_SUFFIXES = {".doc", ".wps"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
SUPPORTED_SUFFIXES = (
    TEXT_SUFFIXES
    | MARKDOWN_SUFFIXES
    | DOCX_SUFFIXES
    | PDF_SUFFIXES
    | WORD_BINARY_SUFFIXES
    | IMAGE_SUFFIXES
)
OFFICE_SUFFIXES = DOCX_SUFFIXES | WORD_BINARY_SUFFIXES
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HTML_STARTS = (
    b"<html",
    b"<!doctype html",
    b"<?xml",
    b"<head",
    b"<body",
    b"<meta",
    b"mime-version:",
)


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read a supported file, raising DocumentError with a one-line reason.

    A .docx may unpack to DOCX_UNPACK_RATIO × max_bytes.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = " ".join(sorted(SUPPORTED_SUFFIXES))
        raise DocumentError(
            f"{path.name}: unsupported file type '{suffix}' (supported: {supported})"
        )
    size = regular_file_size(path)
    if size > max_bytes:
        raise DocumentError(
            f"{path.name}: file is {size:,} bytes, over the {max_bytes:,}-byte limit"
        )
    if size == 0:
        raise DocumentError(f"{path.name}: file is empty")
    source = _read(path, suffix, max_bytes)
    if not any(line.strip() for line in source.lines):
        hint = " (only images?)" if source.format in ("docx", "doc", "wps") else ""
        raise DocumentError(f"{path.name}: file has no text{hint}")
    return source


def _read(path: Path, suffix: str, max_bytes: int) -> SourceText:
    if suffix in TEXT_SUFFIXES | MARKDOWN_SUFFIXES:
        text = decode_bytes(read_bytes(path, max_bytes), path.name)
        if suffix in MARKDOWN_SUFFIXES:
            return markdown_lines(text)
        return SourceText(tuple(plain_lines(text)), "txt", {})
    head = _head(path)
    if suffix in IMAGE_SUFFIXES:
        from .ocr import read_image

        return read_image(path)
    if suffix in PDF_SUFFIXES or head.startswith(b"%PDF"):
        from .pdf import read_pdf

        return read_pdf(path, max_bytes)
    if head.startswith(ZIP_MAGIC) or (
        suffix in DOCX_SUFFIXES
        and not head.startswith(OLE_MAGIC)
        and not _is_markup(head)
        and not _is_plain_text(head)
    ):
        return read_docx(path, max_bytes * DOCX_UNPACK_RATIO)
    if head.startswith(OLE_MAGIC):
        from .msdoc import read_ole

        return read_ole(path, max_bytes)
    if head.lstrip().startswith(b"{\\rtf"):
        from .msdoc import read_rtf

        return read_rtf(path, max_bytes)
    if _is_markup(head):  # "Word" files saved as web pages: common from office systems
        text = decode_bytes(read_bytes(path, max_bytes), path.name)
        return SourceText(tuple(plain_lines(text)), "html", {})
    if _is_plain_text(head):  # a text file given a Word name: read what it holds
        text = decode_bytes(read_bytes(path, max_bytes), path.name)
        return SourceText(tuple(plain_lines(text)), "txt", {})
    kind = "Word" if suffix in OFFICE_SUFFIXES else "report"
    raise DocumentError(
        f"{path.name}: not a {kind} file this program can read "
        "(neither Word 97-2003, .docx, RTF nor HTML inside)"
    )


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(1024)
    except OSError as error:
        raise DocumentError(f"{path.name}: cannot read ({error.strerror})") from error


def _is_plain_text(head: bytes) -> bool:
    """Text with a UTF-16 byte-order mark, or bytes without NULs and control characters
    (GBK and UTF-8 never use those bytes inside a character)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return not any(byte < 9 or 13 < byte < 32 or byte == 127 for byte in head)


def _is_markup(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(HTML_STARTS)
