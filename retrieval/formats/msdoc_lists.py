"""Word 97-2003 list numbers: the 一、/（一） that Word generates, rendered into the text.

Following [MS-DOC]: each paragraph's properties (PAPX, in 512-byte FKP pages listed by
PlcBtePapx) may carry sprmPIlfo (which list instance) and sprmPIlvl (which level); PlfLst
holds the lists (LSTF) and their levels (LVL: start, number format, "%1、"-style text with
level placeholders 0-8), PlfLfo the list instances with their start overrides. Counters
follow the same rules as .docx (formats/numbering.py). Numbers set by a paragraph style
(rather than on the paragraph) are not rendered.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Iterator

from .numbering import MAX_LEVELS, format_number

SPRM_ILVL = 0x260A
SPRM_ILFO = 0x460B
SPRM_IN_TABLE = 0x2416
SPRM_DELETED = 0x0800  # sprmCFRMarkDel: text deleted with track changes on
NO_LIST = 0x7FF
# [MS-DOC] nfc → the ST_NumberFormat names format_number knows.
NFC = {
    0: "decimal",
    1: "upperRoman",
    2: "lowerRoman",
    3: "upperLetter",
    4: "lowerLetter",
    10: "japaneseCounting",
    14: "decimalFullWidth",
    18: "decimalEnclosedCircle",
    19: "decimalFullWidth2",
    22: "decimalZero",
    23: "bullet",
    26: "decimalEnclosedFullstop",
    27: "decimalEnclosedParen",
    28: "decimalEnclosedCircleChinese",
    29: "ideographEnclosedCircle",
    30: "ideographTraditional",
    31: "ideographZodiac",
    33: "taiwaneseCounting",
    35: "taiwaneseCountingThousand",
    37: "chineseCounting",
    38: "chineseLegalSimplified",
    39: "chineseCountingThousand",
    255: "none",
}


def _u16(data: bytes, at: int) -> int:
    return struct.unpack_from("<H", data, at)[0]


def _u32(data: bytes, at: int) -> int:
    return struct.unpack_from("<I", data, at)[0]


class _Level:
    def __init__(
        self, start: int, fmt: str, text: str, no_restart: bool, legal: bool, follow: int
    ) -> None:
        self.start, self.fmt, self.text = start, fmt, text
        self.no_restart, self.legal, self.follow = no_restart, legal, follow


def _read_lvl(table: bytes, at: int) -> tuple[_Level, int]:
    """One LVL at `at`; returns it and the offset just after it."""
    start = struct.unpack_from("<i", table, at)[0]
    nfc, flags = table[at + 4], table[at + 5]
    follow = table[at + 15]
    chpx, papx = table[at + 24], table[at + 25]
    position = at + 28 + papx + chpx
    cch = _u16(table, position)
    text = table[position + 2 : position + 2 + 2 * cch].decode("utf-16-le", errors="replace")
    level = _Level(
        start, NFC.get(nfc, "decimal"), text, bool(flags & 0x08), bool(flags & 0x04), follow
    )
    return level, position + 2 + 2 * cch


class DocLists:
    """Lists and list instances of a .doc, and the counters as paragraphs use them."""

    def __init__(self, word: bytes, table: bytes) -> None:
        self.lists: dict[int, list[_Level]] = {}
        self.instances: list[tuple[int, dict[int, int]]] = []  # (lsid, start overrides)
        fc_lst, lcb_lst = struct.unpack_from("<II", word, 0x2E2)
        fc_lfo, lcb_lfo = struct.unpack_from("<II", word, 0x2EA)
        if lcb_lst >= 2:
            count = struct.unpack_from("<h", table, fc_lst)[0]
            position = fc_lst + 2 + 28 * count
            for index in range(count):
                lstf = fc_lst + 2 + 28 * index
                lsid, simple = struct.unpack_from("<i", table, lstf)[0], table[lstf + 26] & 1
                levels = []
                for _ in range(1 if simple else MAX_LEVELS):
                    level, position = _read_lvl(table, position)
                    levels.append(level)
                self.lists[lsid] = levels
        if lcb_lfo >= 4:
            count = _u32(table, fc_lfo)
            data = fc_lfo + 4 + 16 * count
            for index in range(count):
                lfo = fc_lfo + 4 + 16 * index
                lsid, levels = struct.unpack_from("<i", table, lfo)[0], table[lfo + 12]
                data += 4  # LFOData.cp
                starts = {}
                for _ in range(levels):
                    start_at, bits = struct.unpack_from("<iI", table, data)
                    data += 8
                    if bits & 0x10:
                        starts[bits & 0x0F] = start_at
                    if bits & 0x20:  # a whole LVL overrides the list's level
                        _, data = _read_lvl(table, data)
                self.instances.append((lsid, starts))
        self.counters: dict[int, list[int | None]] = {}
        self.started: set[int] = set()

    def label(self, ilfo: int, ilvl: int) -> str:
        """The number of a paragraph in list instance `ilfo` (1-based) at level `ilvl`."""
        if not 0 < ilfo <= len(self.instances) or not 0 <= ilvl < MAX_LEVELS:
            return ""
        lsid, starts = self.instances[ilfo - 1]
        levels = self.lists.get(lsid)
        if not levels or ilvl >= len(levels):
            return ""
        counters = self.counters.setdefault(lsid, [None] * MAX_LEVELS)
        if ilfo not in self.started:
            self.started.add(ilfo)
            for level, start in starts.items():
                counters[level] = start - 1
        counters[ilvl] = levels[ilvl].start if counters[ilvl] is None else counters[ilvl] + 1
        for deeper in range(ilvl + 1, min(len(levels), MAX_LEVELS)):
            if not levels[deeper].no_restart:
                counters[deeper] = None
        level = levels[ilvl]
        if level.fmt == "bullet":
            return ""
        out = []
        for char in level.text:
            n = ord(char)
            if n < MAX_LEVELS and n < len(levels):
                value = counters[n] if counters[n] is not None else levels[n].start
                fmt = "decimal" if level.legal and n < ilvl else levels[n].fmt
                out.append("" if fmt == "none" else format_number(value, fmt))
            else:
                out.append(char)
        return "".join(out) + (" " if level.follow == 1 else "")


def paragraph_lists(word: bytes, table: bytes) -> tuple[list[int], list[tuple[int, int, bool]]]:
    """Sorted FC starts of paragraph runs and each run's (ilfo, ilvl, in a table cell),
    from the PAPX FKPs."""
    starts: list[int] = []
    values: list[tuple[int, int]] = []
    for fkp in _fkp_pages(word, table, 0x102):
        runs = fkp[511]
        for run in range(runs):
            fc = _u32(fkp, 4 * run)
            offset = fkp[4 * (runs + 1) + 13 * run] * 2
            values.append(_list_sprms(fkp, offset) if offset else (0, 0, False))
            starts.append(fc)
    order = sorted(range(len(starts)), key=starts.__getitem__)
    return [starts[i] for i in order], [values[i] for i in order]


def _fkp_pages(word: bytes, table: bytes, fib_offset: int) -> Iterator[bytes]:
    """The 512-byte FKP pages a PlcBte lists (its fc/lcb pair at `fib_offset` in the FIB:
    0x102 for paragraph properties, 0xFA for character properties); truncated pages skipped."""
    fc_plc, lcb_plc = struct.unpack_from("<II", word, fib_offset)
    plc = table[fc_plc : fc_plc + lcb_plc]
    count = (len(plc) - 4) // 8
    for index in range(count):
        page = (_u32(plc, 4 * (count + 1) + 4 * index) & 0x3FFFFF) * 512
        fkp = word[page : page + 512]
        if len(fkp) == 512:
            yield fkp


def _list_sprms(fkp: bytes, offset: int) -> tuple[int, int, bool]:
    """(ilfo, ilvl, in table) from a PapxInFkp at `offset` (ilfo 0: not in a list)."""
    cb = fkp[offset]
    if cb:
        size, position = 2 * cb - 1, offset + 1
    else:
        size, position = 2 * fkp[offset + 1], offset + 2
    grpprl = fkp[position + 2 : min(position + size, 512)]  # after the style index
    ilfo = ilvl = 0
    in_table = False
    for sprm, at in _sprms(grpprl):
        if sprm == SPRM_ILFO and at + 2 <= len(grpprl):
            ilfo = struct.unpack_from("<h", grpprl, at)[0]
        elif sprm == SPRM_ILVL and at < len(grpprl):
            ilvl = grpprl[at]
        elif sprm == SPRM_IN_TABLE and at < len(grpprl):
            in_table = bool(grpprl[at])
    return (0 if ilfo in (NO_LIST, -1) or ilfo < 0 else ilfo), ilvl, in_table


def _sprms(grpprl: bytes):
    """(sprm, operand offset) of each property in a grpprl."""
    at = 0
    while at + 2 <= len(grpprl):
        sprm = _u16(grpprl, at)
        at += 2
        spra = sprm >> 13
        if spra == 6:
            if at >= len(grpprl):
                break
            width = (_u16(grpprl, at) + 1) if sprm == 0xD608 else grpprl[at] + 1
        else:
            width = (1, 1, 2, 4, 2, 2, 0, 3)[spra]
        yield sprm, at
        at += width


def list_at(
    starts: list[int], values: list[tuple[int, int, bool]], fc: int
) -> tuple[int, int, bool]:
    """The (ilfo, ilvl, in table) of the paragraph run holding file offset `fc`."""
    index = bisect.bisect_right(starts, fc) - 1
    return values[index] if index >= 0 else (0, 0, False)


def deleted_ranges(word: bytes, table: bytes) -> list[tuple[int, int]]:
    """File-offset ranges of character runs marked deleted (tracked changes), from the CHPX
    FKPs listed by PlcBteChpx."""
    ranges = []
    for fkp in _fkp_pages(word, table, 0xFA):
        runs = fkp[511]
        for run in range(runs):
            offset = fkp[4 * (runs + 1) + run] * 2
            if not offset:
                continue
            grpprl = fkp[offset + 1 : offset + 1 + fkp[offset]]
            if any(
                sprm == SPRM_DELETED and at < len(grpprl) and grpprl[at] & 1
                for sprm, at in _sprms(grpprl)
            ):
                ranges.append((_u32(fkp, 4 * run), _u32(fkp, 4 * (run + 1))))
    return sorted(ranges)
