"""Text normalisation shared by parsing, tokenizing and de-duplication."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")
_SPACE_BETWEEN_WIDE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def normalize(text: str) -> str:
    """Fold full-width forms and digits (NFKC), lower-case, and drop spaces inside Chinese text.

    Reports carry stray spaces ("责任 制") and full-width letters; search must not see them.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    if _SPACE.search(text) is None:  # most passages: one scan instead of two rewrites
        return text
    text = _SPACE_BETWEEN_WIDE.sub("", text)
    return _SPACE.sub(" ", text).strip()


# any space but a line break (U+00A0 and U+3000 too) beside a non-ASCII character
_INLINE_SPACE_BY_WIDE = re.compile(r"(?<=[^\x00-\x7f])[^\S\r\n]+|[^\S\r\n]+(?=[^\x00-\x7f])")


def fold_spaces(text: str) -> str:
    """Drop stray spaces inside Chinese text ("责任 制" → "责任制"), keeping lines and case."""
    return _INLINE_SPACE_BY_WIDE.sub("", text)


def squeeze(text: str) -> str:
    """Remove all whitespace: how passages are compared for near-duplicates and needles."""
    return _SPACE.sub("", text)


def compact_form(text: str) -> str:
    """Text as passages are compared (ranking, needles): normalised, without white space."""
    return squeeze(normalize(text))


def line_key(line: str) -> str:
    """Stable key of a line, used to spot lines repeated across documents."""
    return hashlib.sha1(squeeze(unicodedata.normalize("NFKC", line)).encode()).hexdigest()[:16]
