"""Plain text and Markdown: detect the encoding, drop markup and invisible characters.

No pattern here can backtrack across a long line: files come from anywhere, chat uploads
included.
"""

from __future__ import annotations

import codecs
import html
import re

from ..errors import DocumentError
from .base import SourceText

# Share of a text file's bytes that may be undecodable and still be read (as U+FFFD).
BAD_BYTE_SHARE = 0.001

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Invisible characters that break matching or flip how a cited passage is displayed:
# control characters, zero-width space, BOMs inside the text, bidi embeddings/overrides.
INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")
# HTML that must vanish with its content: comments, scripts, styles, <!DOCTYPE>, <?xml?>.
_HTML_HIDDEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style)\b[^<>]*>.*?(?:</\1\s*>|\Z)|<[!?][^<>]*>",
    re.DOTALL | re.IGNORECASE,
)
# Only known element names with well-formed attributes count as tags, so prose such as
# "a<b 且 c>d" survives; attribute values cannot span a "<", which keeps matching linear.
_TAG = (
    r"</?(?:{names})(?=[\s/>])"
    r"(?:\s+[a-zA-Z_:][-\w:.]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'=<>`]+))?)*\s*/?>"
)
_HTML_BLOCK = re.compile(
    _TAG.format(
        names="address|article|aside|blockquote|body|br|caption|dd|div|dl|dt|figcaption"
        "|figure|footer|form|h[1-6]|head|header|hr|html|li|main|nav|ol|p|pre|section"
        "|table|tbody|td|tfoot|th|thead|title|tr|ul"
    ),
    re.ASCII | re.IGNORECASE,
)
_HTML_INLINE = re.compile(
    _TAG.format(
        names="a|abbr|b|big|button|center|cite|code|col|colgroup|del|em|font|i|img"
        "|input|ins|kbd|label|link|mark|meta|nobr|option|q|s|samp|select|small|span"
        "|strike|strong|sub|sup|textarea|time|u|var|wbr|[a-z][a-z0-9]*:[a-z][-a-z0-9]*"
    ),
    re.ASCII | re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_MD_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_MD_DECORATION = re.compile(r"(\*\*|__|~~|`+)")
_MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|>+)\s+")


def decode_bytes(data: bytes, name: str) -> str:
    """Decode UTF-8 (BOM or not), UTF-16/32 with BOM or plausible without, else GB18030."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data.decode(encoding, errors="replace"), data, name)
    utf16 = _bomless_utf16(data)
    if utf16:
        return _checked(data.decode(utf16, errors="replace"), data, name)
    data = _without_stray_nuls(data.removeprefix(codecs.BOM_UTF8), name)
    try:
        return _checked(data.decode("utf-8"), data, name)
    except UnicodeDecodeError:
        return _checked(_decode_lines(data), data, name)


def _without_stray_nuls(data: bytes, name: str) -> bytes:
    """Drop NUL padding at the end and a few stray NULs; more of them mean a binary file."""
    data = data.rstrip(b"\x00")
    nuls = data.count(b"\x00")
    if nuls > max(1, len(data) * BAD_BYTE_SHARE):
        raise DocumentError(f"{name}: binary file (contains NUL bytes), not text")
    return data.replace(b"\x00", b"") if nuls else data


def _decode_lines(data: bytes) -> str:
    """GB18030 text, or text pasted together from UTF-8 and GB18030 files, line by line.

    Decoding a mixed file whole as GB18030 would silently turn its UTF-8 lines into
    mojibake. A line valid in only one encoding takes that one; a line valid in both goes
    with the file's majority, unless it reads as Chinese in UTF-8 (GB18030 accepts most
    UTF-8 byte runs, rarely the reverse). Bytes neither accepts become U+FFFD.
    """
    utf8 = data.decode("utf-8", errors="replace").split("\n")
    try:
        gb = data.decode("gb18030").split("\n")
    except UnicodeDecodeError:  # line by line: a bad GB18030 byte can swallow a line break
        gb = [line.decode("gb18030", errors="replace") for line in data.split(b"\n")]
    lines = list(zip(utf8, gb, strict=True))
    only_utf8 = sum(1 for u, g in lines if "\ufffd" in g and "\ufffd" not in u)
    only_gb = sum(1 for u, g in lines if "\ufffd" in u and "\ufffd" not in g)
    return "\n".join(_pick(u, g, utf8_file=only_utf8 > only_gb) for u, g in lines)


def _pick(utf8: str, gb: str, utf8_file: bool) -> str:
    """One line read both ways (U+FFFD where invalid): see _decode_lines."""
    if utf8 == gb:
        return utf8
    utf8_valid, gb_valid = "\ufffd" not in utf8, "\ufffd" not in gb
    if utf8_valid and (not gb_valid or utf8_file or _reads_as_chinese(utf8)):
        return utf8
    if gb_valid and not (utf8_file and _mostly_utf8(utf8)):
        return gb
    return utf8 if _mostly_utf8(utf8) else gb


def _reads_as_chinese(text: str) -> bool:
    """GB18030 bytes that happen to be valid UTF-8 decode to Latin, Greek, Cyrillic…"""
    wide = _non_ascii(text)
    return wide - len(_IMPLAUSIBLE_WIDE.findall(text)) >= 0.9 * wide


def _mostly_utf8(text: str) -> bool:
    """UTF-8 with a damaged byte or two; GB18030 read as UTF-8 fails every few bytes."""
    return text.count("\ufffd") * 20 <= _non_ascii(text)


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


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
        share = _plausible_share(sample)
        if share > best_share:
            best, best_share = encoding, share
    return best if best_share >= 0.9 else None


def _plausible_share(text: str) -> float:
    """Share of the characters a Chinese report is made of: CJK, ASCII text, punctuation."""
    return (len(text) - len(_IMPLAUSIBLE.findall(text))) / max(1, len(text))


# Characters a Chinese report is made of: CJK, ASCII text, punctuation (found by one regex
# pass: a Python loop over every character cost more than parsing the file)
_IMPLAUSIBLE = re.compile("[^\n\r\t\x20-\x7e\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u2010-\u2027]")
_IMPLAUSIBLE_WIDE = re.compile("[^\x00-\x7f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u2010-\u2027]")
# control characters other than white space, C1 controls, the private use area
_GARBAGE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")


def _checked(text: str, data: bytes, name: str) -> str:
    """Reject blank text, binary read as text, and text with more than a few bad bytes.

    Undecodable bytes have become U+FFFD. A file cut mid-character or one damaged byte
    should not cost a whole report, so up to BAD_BYTE_SHARE of the file may be lost that
    way; beyond that the text cannot be trusted, and the reason names the first bad line.
    """
    sample = text[:20000]
    if not sample.strip():
        raise DocumentError(f"{name}: file has no text")
    if len(_GARBAGE.findall(sample)) > len(sample) * 0.05:
        raise DocumentError(f"{name}: does not look like text (binary or wrong encoding)")
    bad = text.count("\ufffd")
    if bad > max(1, len(data) * BAD_BYTE_SHARE):
        line = text.count("\n", 0, text.index("\ufffd")) + 1
        raise DocumentError(
            f"{name}: {bad:,} byte sequences are not valid UTF-8, UTF-16 or GB18030 "
            f"(first on line {line}); save it as UTF-8 and try again"
        )
    return text


def plain_lines(text: str) -> list[str]:
    """Split into lines without HTML markup or invisible characters, so neither is indexed.

    Entities are decoded after the tags are gone, and what they spell is stripped again:
    escaped HTML ("&lt;p&gt;") is markup too, while "a &lt; b" stays "a < b".
    """
    text = _strip_html(_unescape(_strip_html(text)))
    return [line.rstrip() for line in INVISIBLE.sub("", text).splitlines()]


def _strip_html(text: str) -> str:
    """Drop scripts, styles and comments with their content; block tags become line breaks."""
    if "<" not in text:
        return text
    return _HTML_INLINE.sub("", _HTML_BLOCK.sub("\n", _HTML_HIDDEN.sub("", text)))


def _unescape(text: str) -> str:
    """Decode complete entities only (&amp; &ldquo; &#8220;), never a bare '&' in prose."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda match: html.unescape(match.group()), text)


def markdown_lines(text: str) -> SourceText:
    lines: list[str] = []
    levels: dict[int, int] = {}
    in_fence = False
    for raw in plain_lines(text):
        if raw.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _MD_HEADING.match(raw)
        line = _heading_text(heading.group(2)) if heading else raw
        if not in_fence:
            line = _MD_DECORATION.sub("", _MD_LINK.sub(r"\1", _MD_LIST.sub("", line)))
        if heading:
            levels[len(lines)] = len(heading.group(1))
        lines.append(line)
    return SourceText(tuple(lines), "md", title_and_levels(levels))


def _heading_text(text: str) -> str:
    """A Markdown heading without its optional closing #s (`## 标题 ##`), as CommonMark reads it."""
    text = text.strip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1].isspace()):
        return bare.rstrip()
    return text


def title_and_levels(levels: dict[int, int]) -> dict[int, int]:
    """A lone top-level heading that comes first is the title (0); the rest renumber from 1."""
    if not levels:
        return {}
    first = min(levels)
    top = min(levels.values())
    if levels[first] == top and list(levels.values()).count(top) == 1:
        rest = {i: level for i, level in levels.items() if i != first}
        return {first: 0, **relative_levels(rest)}
    return relative_levels(levels)


def relative_levels(levels: dict[int, int]) -> dict[int, int]:
    """Renumber heading levels from 1 so '## part' under a '# title' counts as a part."""
    used = sorted(set(levels.values()))
    return {index: used.index(level) + 1 for index, level in levels.items()}
