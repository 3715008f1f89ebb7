"""Answer-quality metrics over a question file (JSON Lines with `query` and `needles`).

A passage is a hit if it contains a needle once all whitespace is removed. A question
with no needles is out of domain: answered right only by an empty result.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RetrievalError
from .text import squeeze


@dataclass(frozen=True)
class QuestionResult:
    id: str
    query: str
    in_domain: bool
    first_hit: int | None
    results: int


@dataclass(frozen=True)
class EvalReport:
    questions: tuple[QuestionResult, ...] = field(default=())

    def _in_domain(self) -> list[QuestionResult]:
        return [q for q in self.questions if q.in_domain]

    def hit_at(self, k: int) -> float:
        inside = self._in_domain()
        return sum(1 for q in inside if q.first_hit and q.first_hit <= k) / len(inside) if inside else 0.0

    def mrr_at(self, k: int) -> float:
        inside = self._in_domain()
        total = sum(1 / q.first_hit for q in inside if q.first_hit and q.first_hit <= k)
        return total / len(inside) if inside else 0.0

    @property
    def out_of_domain(self) -> tuple[int, int]:
        """(rejected, total) out-of-domain questions."""
        outside = [q for q in self.questions if not q.in_domain]
        return sum(1 for q in outside if q.results == 0), len(outside)

    def summary(self) -> dict:
        rejected, total = self.out_of_domain
        return {
            "questions": len(self.questions),
            "in_domain": len(self._in_domain()),
            "hit@1": round(self.hit_at(1), 4),
            "hit@5": round(self.hit_at(5), 4),
            "mrr@10": round(self.mrr_at(10), 4),
            "ood_rejected": rejected,
            "ood_total": total,
        }


def load_questions(path: Path) -> list[dict]:
    """Questions from a JSON Lines file; a malformed line is an error naming its number."""
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            questions.append({"id": str(item.get("id", number)), "query": str(item["query"]),
                              "needles": [str(n) for n in item.get("needles", [])]})
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
            raise RetrievalError(f"{path.name} line {number}: not a question object ({error})") from error
    return questions


def evaluate(questions: Iterable[dict], search: Callable[[str], Sequence[str]]) -> EvalReport:
    """Run every question through `search` (returning passage texts, best first)."""
    results = []
    for question in questions:
        texts = search(question["query"])
        needles = [squeeze(n) for n in question["needles"]]
        first = next(
            (rank for rank, text in enumerate(texts, start=1)
             if any(n in squeeze(text) for n in needles)),
            None,
        )
        results.append(QuestionResult(question["id"], question["query"], bool(needles), first,
                                      len(texts)))
    return EvalReport(tuple(results))
