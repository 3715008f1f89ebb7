"""Word 97-2003 .doc and Kingsoft WPS .wps (the same OLE format): text from the piece table.

olefile (BSD, well kept) opens the compound file; no maintained pure-Python library reads
the WordDocument stream itself (antiword and textract wrap an old C program), so the few
steps are done here, following [MS-DOC]: the FIB gives the main text's length (ccpText)
and where the Clx is (fcClx, in the 0Table or 1Table stream); the Clx's piece table maps
character positions to runs of UTF-16 or 8-bit text. Headers, footers and footnotes come
after ccpText and are never read. Field instructions are dropped, their results kept;
table cells (ending in \\x07) become "cell | cell" rows.

When this reader cannot read a file (an old WPS 2000 file, an RTF) and LibreOffice is on
PATH, `soffice --headless --convert-to docx` converts it for the .docx reader.
"""

from __future__ import annotations

import bisect
import contextlib
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from ..errors import DocumentError
from .base import SourceText

WORD_IDENT = 0xA5EC
SOFFICE_SECONDS = 120
_FIELD = re.compile("\x13[^\x13\x14\x15]*\x14?([^\x13\x14\x15]*)\x15")
_DROP = dict.fromkeys(map(ord, "\x00\x01\x02\x03\x04\x05\x08\x1f"), None)
_SPECIAL = {ord("\x0b"): "\n", ord("\x0c"): "\n", ord("\x1e"): "-", ord("\xa0"): " "}


def read_ole(path: Path, max_bytes: int) -> SourceText:
    """A .doc/.wps file, or an encrypted .docx (also an OLE file), read or refused in one line."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptedPackage"):
                raise DocumentError(
                    f"{path.name}: password-protected (encrypted) Word file; "
                    "save a copy without the password and try again"
                )
            if not ole.exists("WordDocument"):
                return _converted(path, "an OLE file without a Word document inside")
            source = _word_text(path, ole)
    except DocumentError:
        raise
    except (OSError, ValueError, struct.error, IndexError) as error:
        return _converted(path, f"damaged Word 97-2003 file ({type(error).__name__})")
    return source


def _word_text(path: Path, ole) -> SourceText:
    word = ole.openstream("WordDocument").read()
    ident, flags = struct.unpack_from("<H", word, 0)[0], struct.unpack_from("<H", word, 0x0A)[0]
    if ident != WORD_IDENT:
        return _converted(path, "not a Word 97-2003 document (an older WPS or Word format?)")
    if flags & 0x0100:
        raise DocumentError(
            f"{path.name}: password-protected (encrypted) Word file; "
            "save a copy without the password and try again"
        )
    table_name = "1Table" if flags & 0x0200 else "0Table"
    if not ole.exists(table_name):
        return _converted(path, f"damaged Word 97-2003 file (no {table_name} stream)")
    table = ole.openstream(table_name).read()
    ccp_text = struct.unpack_from("<i", word, 0x4C)[0]
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
    text, pieces = _pieces(word, table[fc_clx : fc_clx + lcb_clx], ccp_text)
    with contextlib.suppress(struct.error, IndexError, ValueError):  # else without numbers
        text = _numbered(text, pieces, word, table)
    return _lines(text, "wps" if path.suffix.lower() == ".wps" else "doc")


def _numbered(text: str, pieces, word: bytes, table: bytes) -> str:
    """Put Word's generated list numbers in front of numbered paragraphs, turn paragraph
    breaks inside table cells into spaces (a row stays one line), and blank out text
    deleted with track changes (as \x00, dropped later, so positions hold meanwhile)."""
    from .msdoc_lists import DocLists, deleted_ranges, list_at, paragraph_lists

    piece_starts = [piece[0] for piece in pieces]

    def fc_of(cp: int) -> int:
        start, fc, width = pieces[bisect.bisect_right(piece_starts, cp) - 1]
        return fc + (cp - start) * width

    text = _blank_deleted(text, pieces, deleted_ranges(word, table))
    starts, values = paragraph_lists(word, table)
    lists = DocLists(word, table) if any(value[0] for value in values) else None
    out, cp = [], 0
    for paragraph in text.split("\r"):
        mark = cp + len(paragraph)  # the paragraph mark's character position
        cp = mark + 1
        if mark >= len(text):
            out.append(paragraph)
            break
        ilfo, ilvl, in_table = list_at(starts, values, fc_of(mark))
        label = lists.label(ilfo, ilvl) if lists and ilfo and "\x07" not in paragraph else ""
        out.append(label + paragraph + (" " if in_table else "\r"))
    return "".join(out)


def _blank_deleted(text: str, pieces, ranges: list[tuple[int, int]]) -> str:
    if not ranges:
        return text
    chars = list(text)
    for index, (start, fc, width) in enumerate(pieces):
        end = pieces[index + 1][0] if index + 1 < len(pieces) else len(text)
        for first, last in ranges:
            low = max(start, start + (first - fc + width - 1) // width)
            high = min(end, start + (last - fc + width - 1) // width)
            for position in range(low, high):
                chars[position] = "\x00"
    return "".join(chars)


def _pieces(word: bytes, clx: bytes, ccp_text: int) -> tuple[str, list[tuple[int, int, int]]]:
    """The first ccp_text characters of the document, assembled from the piece table,
    and each piece's (first character position, file offset, bytes per character)."""
    position = 0
    while position < len(clx) and clx[position] == 0x01:  # Prc: formatting, skipped
        position += 3 + struct.unpack_from("<H", clx, position + 1)[0]
    if position >= len(clx) or clx[position] != 0x02:
        raise ValueError("no piece table")
    lcb = struct.unpack_from("<I", clx, position + 1)[0]
    plc = clx[position + 5 : position + 5 + lcb]
    count = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}i", plc, 0)
    out, total, pieces = [], 0, []
    for index in range(count):
        start, end = cps[index], min(cps[index + 1], ccp_text)
        if end <= start:
            break
        fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)[0]
        length = end - start
        if fc & 0x40000000:
            offset = (fc & 0x3FFFFFFF) // 2
            out.append(word[offset : offset + length].decode("cp1252", errors="replace"))
            pieces.append((start, offset, 1))
        else:
            out.append(word[fc : fc + 2 * length].decode("utf-16-le", errors="replace"))
            pieces.append((start, fc, 2))
        total += length
        if total >= ccp_text:
            break
    return "".join(out), pieces


def _lines(text: str, fmt: str) -> SourceText:
    """Paragraphs (\\r) and table rows (cells end in \\x07, a row in one more)."""
    while True:
        folded = _FIELD.sub(r"\1", text)
        if folded == text:
            break
        text = folded
    text = text.translate(_DROP).translate(_SPECIAL).replace("\x13", "").replace("\x14", "")
    text = text.replace("\x15", "")
    lines: list[str] = []
    tables: set[int] = set()
    for paragraph in text.split("\r"):
        if "\x07" not in paragraph:
            lines.extend(paragraph.split("\n"))
            continue
        for row in paragraph.split("\x07\x07"):
            cells = [" ".join(cell.split()) for cell in row.split("\x07")]
            if any(cells):
                tables.add(len(lines))
                lines.append(" | ".join(cells).strip(" |"))
    return SourceText(tuple(lines), fmt, {}, tables=frozenset(tables))


def read_rtf(path: Path, max_bytes: int) -> SourceText:
    """RTF saved with a .doc name: only LibreOffice reads it here."""
    return _converted(path, "an RTF file")


def _converted(path: Path, reason: str) -> SourceText:
    """Convert with LibreOffice when it is installed, else refuse naming what to install."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise DocumentError(
            f"{path.name}: {reason}; install LibreOffice (soffice) to read it, or save it as .docx"
        )
    from .base import DEFAULT_MAX_BYTES
    from .docx import DOCX_UNPACK_RATIO, read_docx

    with tempfile.TemporaryDirectory(prefix="reportbot-soffice-") as folder:
        profile = Path(folder, "profile").as_uri()
        command = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx",
            "--outdir",
            folder,
            str(path),
        ]
        try:
            subprocess.run(
                command,
                capture_output=True,
                timeout=SOFFICE_SECONDS,
                check=True,
                stdin=subprocess.DEVNULL,
            )
        except (subprocess.SubprocessError, OSError) as error:
            raise DocumentError(
                f"{path.name}: {reason}, and LibreOffice could not convert it "
                f"({type(error).__name__})"
            ) from error
        made = Path(folder, path.stem + ".docx")
        if not made.is_file():
            raise DocumentError(f"{path.name}: {reason}, and LibreOffice could not convert it")
        source = read_docx(made, DEFAULT_MAX_BYTES * DOCX_UNPACK_RATIO)
    return SourceText(
        source.lines, path.suffix.lower().lstrip(".") or "doc", source.levels, tables=source.tables
    )
