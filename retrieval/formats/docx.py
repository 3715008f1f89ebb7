""".docx: paragraphs with Word's own list numbers, heading levels, and tables by row.

The XML is read with lxml in one linear pass instead of through python-docx's object
model: python-docx drops generated numbers and inserted (tracked) runs, and walking its
objects costs far more than the parse. Deleted and moved-away text, comments, footnotes,
headers and footers (where promotional lines live) are never read.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from ..errors import DocumentError
from .base import SourceText
from .numbering import Numbering, W, int_val, val
from .text import INVISIBLE, relative_levels, title_and_levels

# A .docx may unpack to this many times max_bytes: Word's XML deflates about 5-10 times,
# a zip bomb about 1000 times. Raising [ingest] max_file_bytes raises this cap with it.
DOCX_UNPACK_RATIO = 10
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "/officeDocument"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
# Elements whose text a reader does not see: deletions, text moved away, the fallback copy
# of a drawing, field instructions.
_HIDDEN = (W + "del", W + "moveFrom", MC + "Fallback", W + "instrText", W + "delText")
_VANISH = f"{W}rPr/{W}vanish"
_TEXT_TAGS = (W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen")


def read_docx(path: Path, max_unpacked: int) -> SourceText:
    """Paragraphs, numbers, heading levels and table rows of a .docx, bomb-checked first."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            _check_unpacked_size(path, archive, max_unpacked)
            parts = _word_parts(archive)
            return _source(*(_parse(archive, name, etree) if name else None for name in parts))
    except DocumentError:
        raise
    except zipfile.BadZipFile as error:
        raise unreadable(path, "damaged, or not a zip archive") from error
    except etree.XMLSyntaxError as error:
        raise unreadable(path, "damaged XML inside") from error
    except KeyError as error:
        raise unreadable(path, "a zip archive, but not a Word document") from error
    except Exception as error:  # zlib and zipfile raise many types for damaged files
        raise unreadable(path, type(error).__name__) from error


def unreadable(path: Path, reason: str) -> DocumentError:
    return DocumentError(f"{path.name}: not a readable .docx ({reason})")


def _check_unpacked_size(path: Path, archive: zipfile.ZipFile, max_unpacked: int) -> None:
    """Refuse a zip bomb from its directory alone.

    zipfile never yields more than an entry's declared size (an entry that lies fails its
    CRC check), so the declared sizes bound what can be unpacked.
    """
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > max_unpacked:
        raise DocumentError(
            f"{path.name}: unpacks to {unpacked:,} bytes, over the "
            f"{max_unpacked:,}-byte limit (zip bomb?)"
        )


def _word_parts(archive: zipfile.ZipFile) -> tuple[str, str | None, str | None]:
    """Names of the main document, styles and numbering parts, found through the rels."""
    from lxml import etree

    names = set(archive.namelist())
    main = "word/document.xml"
    if "_rels/.rels" in names:
        for rel in etree.fromstring(archive.read("_rels/.rels"), _parser()):
            if rel.get("Type", "").endswith(OFFICE_DOCUMENT):
                main = rel.get("Target", main).lstrip("/")
    if main not in names:
        raise KeyError(main)
    folder = posixpath.dirname(main)
    rels = posixpath.join(folder, "_rels", posixpath.basename(main) + ".rels")
    found: dict[str, str] = {}
    if rels in names:
        for rel in etree.fromstring(archive.read(rels), _parser()):
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            target = posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
            if kind in ("styles", "numbering") and target in names:
                found[kind] = target
    return main, found.get("styles"), found.get("numbering")


def _parser():
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )


def _parse(archive: zipfile.ZipFile, name: str, etree):
    root = etree.fromstring(archive.read(name), _parser())
    if root.getroottree().docinfo.internalDTD is not None:  # Word never writes one
        raise etree.XMLSyntaxError(f"DTD in {name}", None, 0, 0, name)
    return root


class _Styles:
    """Heading level, outline level and list of each paragraph style, through basedOn."""

    def __init__(self, root) -> None:
        self.styles = {}
        self.default = None
        if root is None:
            return
        for style in root.iterfind(W + "style"):
            if style.get(W + "type") not in (None, "paragraph", "numbering"):
                continue
            style_id = style.get(W + "styleId", "")
            self.styles[style_id] = style
            if style.get(W + "default") in ("1", "true") and style.get(W + "type") == "paragraph":
                self.default = style_id

    def chain(self, style_id: str | None):
        seen = set()
        style_id = style_id or self.default
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            yield self.styles[style_id]
            style_id = val(self.styles[style_id], "basedOn")

    def name(self, style_id: str | None) -> str:
        for style in self.chain(style_id):
            return val(style, "name", "") or ""
        return ""

    def level(self, style_id: str | None) -> int | None:
        """Declared level: 0 for Title, N for Heading N or outline level N-1."""
        for style in self.chain(style_id):
            name = val(style, "name", "") or ""
            if name.lower() == "title":
                return 0
            match = _HEADING_STYLE.match(name)
            if match:
                return int(match.group(1))
            outline = int_val(style.find(W + "pPr"), "outlineLvl")
            if outline is not None:
                return outline + 1 if outline < 9 else None
        return None

    def num_pr(self, style_id: str | None) -> tuple[str | None, int | None]:
        for style in self.chain(style_id):
            num_pr = style.find(f"{W}pPr/{W}numPr")
            if num_pr is not None:
                return val(num_pr, "numId"), int_val(num_pr, "ilvl")
        return None, None

    def num_ids(self) -> dict[str, str]:
        """Numbering styles' own numId, for lists defined by w:numStyleLink."""
        return {
            sid: num
            for sid, style in self.styles.items()
            if (num := val(style.find(f"{W}pPr/{W}numPr"), "numId"))
        }


class _Reader:
    def __init__(self, styles: _Styles, numbering: Numbering) -> None:
        self.styles, self.numbering = styles, numbering
        self.lines: list[str] = []
        self.levels: dict[int, int] = {}
        self.tables: set[int] = set()

    def block(self, element) -> None:
        tag = element.tag
        if tag == W + "p":
            self.paragraph(element)
        elif tag == W + "tbl":
            self.table(element)
        elif tag in (W + "sdt", W + "customXml", W + "sdtContent", W + "ins", W + "moveTo"):
            for child in element:
                self.block(child)

    def paragraph(self, p) -> None:
        ppr = p.find(W + "pPr")
        style_id = val(ppr, "pStyle")
        text = self.number(ppr, style_id) + paragraph_text(p)
        level = int_val(ppr, "outlineLvl")
        declared = (
            (level + 1 if level < 9 else None) if level is not None else self.styles.level(style_id)
        )
        if declared is not None and text.strip():
            self.levels[len(self.lines)] = declared
        self.lines.extend(text.splitlines() or [""])

    def number(self, ppr, style_id: str | None) -> str:
        num_pr = ppr.find(W + "numPr") if ppr is not None else None
        num_id, ilvl = (
            (val(num_pr, "numId"), int_val(num_pr, "ilvl")) if num_pr is not None else (None, None)
        )
        if num_id is None or ilvl is None:
            style_num, style_lvl = self.styles.num_pr(style_id)
            num_id = num_id or style_num
            ilvl = ilvl if ilvl is not None else (style_lvl or 0)
        if not num_id or num_id == "0":
            return ""
        return self.numbering.label(num_id, ilvl)

    def table(self, tbl) -> None:
        """One line per row, cells joined by " | "; a cell merged down repeats its value."""
        above: dict[int, str] = {}
        for tr in tbl.iterchildren(W + "tr"):  # a nested table is read as its cell's text
            cells, column = [], 0
            for tc in tr.iterchildren(W + "tc"):
                tcpr = tc.find(W + "tcPr")
                span = int_val(tcpr, "gridSpan", 1) or 1
                merge = tcpr.find(W + "vMerge") if tcpr is not None else None
                text = " ".join(t for p in tc.iter(W + "p") if (t := paragraph_text(p).strip()))
                if merge is not None and merge.get(W + "val", "continue") == "continue":
                    text = above.get(column, "")
                above[column] = text
                cells.append(text)
                column += span
            if any(cells):
                self.tables.add(len(self.lines))
                self.lines.append(" | ".join(" ".join(cell.split()) for cell in cells))


def paragraph_text(p) -> str:
    """What a reader sees of a paragraph: runs (inserted ones too, hidden ones not), tabs and
    line breaks."""
    out = []
    for node in p.iter(*_TEXT_TAGS):
        tag = node.tag
        vanish = node.getparent().find(_VANISH)
        if vanish is not None and vanish.get(W + "val", "1") not in ("0", "false"):
            continue  # hidden text (w:vanish): not shown, not printed
        if tag == W + "t":
            out.append(node.text or "")
        elif tag == W + "tab":
            out.append("\t")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif (
            tag == W + "br" and node.get(W + "type") not in ("page", "column")
        ) or tag == W + "cr":
            out.append("\n")
    return INVISIBLE.sub("", "".join(out))


def _source(document, styles_root, numbering_root) -> SourceText:
    from lxml import etree

    body = document.find(W + "body")
    if body is None:
        raise KeyError("w:body")
    etree.strip_elements(body, *_HIDDEN, with_tail=False)
    styles = _Styles(styles_root)
    reader = _Reader(styles, Numbering(numbering_root, styles.num_ids()))
    for element in body:
        reader.block(element)
    levels = reader.levels
    headings = {i: level for i, level in levels.items() if level > 0}
    titles = {i: 0 for i, level in levels.items() if level == 0}
    levels = {**titles, **relative_levels(headings)} if titles else title_and_levels(headings)
    return SourceText(tuple(reader.lines), "docx", levels, tables=frozenset(reader.tables))
