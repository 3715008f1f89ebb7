"""Read .txt, .md and .docx files into lines of text, detecting the encoding."""

from __future__ import annotations

import codecs
import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import DocumentError

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
DOCX_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | DOCX_SUFFIXES
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_DECORATION = re.compile(r"(\*\*|__|~~|`+)")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|>+)\s+")
_DOCX_HEADING = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


@dataclass(frozen=True)
class SourceText:
    """Lines of a file; `levels` maps a line index to a heading level the format declared."""

    lines: tuple[str, ...]
    format: str
    levels: dict[int, int]


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read a supported file, raising DocumentError with a one-line reason."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = " ".join(sorted(SUPPORTED_SUFFIXES))
        raise DocumentError(f"{path.name}: unsupported file type '{suffix}' (supported: {supported})")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise DocumentError(f"{path.name}: cannot read ({error.strerror})") from error
    if size > max_bytes:
        raise DocumentError(f"{path.name}: file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    if size == 0:
        raise DocumentError(f"{path.name}: file is empty")
    if suffix in DOCX_SUFFIXES:
        return _read_docx(path, max_bytes)
    text = decode_bytes(path.read_bytes(), path.name)
    if suffix in MARKDOWN_SUFFIXES:
        return _markdown_lines(text)
    return SourceText(tuple(_plain_lines(text)), "txt", {})


def decode_bytes(data: bytes, name: str) -> str:
    """Decode UTF-8 (BOM or not), UTF-16/32 with BOM or plausible without, else GB18030."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data.decode(encoding, errors="strict"), name)
    utf16 = _bomless_utf16(data)
    if utf16:
        return _checked(data.decode(utf16, errors="strict"), name)
    if b"\x00" in data:
        raise DocumentError(f"{name}: binary file (contains NUL bytes), not text")
    for encoding in ("utf-8", "gb18030"):
        try:
            return _checked(data.decode(encoding, errors="strict"), name)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{name}: not decodable as UTF-8, UTF-16 or GB18030 text")


def _bomless_utf16(data: bytes) -> str | None:
    """Guess UTF-16 without BOM: NUL bytes (never in UTF-8/GB text) and a clean decode."""
    if b"\x00" not in data[:65536] or len(data) % 2:
        return None
    best, best_share = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            sample = data[:65536].decode(encoding, errors="strict")
        except UnicodeDecodeError:
            continue
        share = sum(1 for ch in sample if _plausible(ch)) / max(1, len(sample))
        if share > best_share:
            best, best_share = encoding, share
    return best if best_share >= 0.9 else None


def _plausible(ch: str) -> bool:
    """Characters a Chinese report is made of: CJK, ASCII text, punctuation, white space."""
    code = ord(ch)
    return (
        ch in "\n\r\t" or 0x20 <= code < 0x7F or 0x3000 <= code <= 0x303F
        or 0x4E00 <= code <= 0x9FFF or 0xFF00 <= code <= 0xFFEF or 0x2010 <= code <= 0x2027
    )


def _checked(text: str, name: str) -> str:
    """Reject decoded text that is mostly control or private-use characters."""
    sample = text[:20000]
    if not sample.strip():
        raise DocumentError(f"{name}: file has no text")
    bad = sum(1 for ch in sample if _is_garbage(ch))
    if bad > len(sample) * 0.05:
        raise DocumentError(f"{name}: does not look like text (binary or wrong encoding)")
    return text


def _is_garbage(ch: str) -> bool:
    code = ord(ch)
    if ch in "\n\r\t\f\v":
        return False
    return code < 32 or 0x7F <= code < 0xA0 or 0xE000 <= code <= 0xF8FF or code == 0xFFFD


def _plain_lines(text: str) -> list[str]:
    """Split into lines, dropping NULs and HTML tags so markup never reaches an index."""
    text = text.replace("\x00", "")
    if _HTML_TAG.search(text):
        text = html.unescape(_HTML_TAG.sub("\n", text))
    return [line.rstrip() for line in text.splitlines()]


def _markdown_lines(text: str) -> SourceText:
    lines: list[str] = []
    levels: dict[int, int] = {}
    in_fence = False
    for raw in _plain_lines(text):
        if raw.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _MD_HEADING.match(raw)
        line = heading.group(2) if heading else raw
        if not in_fence:
            line = _MD_DECORATION.sub("", _MD_LINK.sub(r"\1", _MD_LIST.sub("", line)))
        if heading:
            levels[len(lines)] = len(heading.group(1))
        lines.append(line)
    return SourceText(tuple(lines), "md", _title_and_levels(levels))


def _title_and_levels(levels: dict[int, int]) -> dict[int, int]:
    """A lone top-level heading that comes first is the title (0); the rest renumber from 1."""
    if not levels:
        return {}
    first = min(levels)
    top = min(levels.values())
    if levels[first] == top and list(levels.values()).count(top) == 1:
        rest = {i: level for i, level in levels.items() if i != first}
        return {first: 0, **_relative_levels(rest)}
    return _relative_levels(levels)


def _relative_levels(levels: dict[int, int]) -> dict[int, int]:
    """Renumber heading levels from 1 so '## part' under a '# title' counts as a part."""
    used = sorted(set(levels.values()))
    return {index: used.index(level) + 1 for index, level in levels.items()}


def _read_docx(path: Path, max_bytes: int) -> SourceText:
    import docx  # deferred: python-docx pulls in lxml, slow to import for text-only use

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > max_bytes * 10:
                raise DocumentError(
                    f"{path.name}: unpacks to {unpacked:,} bytes, over the limit (zip bomb?)"
                )
        document = docx.Document(str(path))
    except DocumentError:
        raise
    except Exception as error:  # python-docx raises many types for damaged files
        raise DocumentError(f"{path.name}: not a readable .docx ({type(error).__name__})") from error
    lines: list[str] = []
    levels: dict[int, int] = {}
    for paragraph in _docx_paragraphs(document):
        style = paragraph.style.name if paragraph.style is not None else ""
        match = _DOCX_HEADING.match(style or "")
        if style == "Title":
            levels[len(lines)] = 0
        elif match:
            levels[len(lines)] = int(match.group(1))
        lines.extend(paragraph.text.splitlines() or [""])
    headings = {i: level for i, level in levels.items() if level > 0}
    titles = {i: 0 for i, level in levels.items() if level == 0}
    levels = {**titles, **_relative_levels(headings)} if titles else _title_and_levels(headings)
    return SourceText(tuple(lines), "docx", levels)


def _docx_paragraphs(document):
    """Body paragraphs and table cell paragraphs, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    yield from cell.paragraphs
