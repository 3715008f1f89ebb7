"""Answer-quality metrics over a question file (JSON Lines with `query`, `needles`, `kind`).

A passage is a hit if it contains a needle once all whitespace is removed. A question
with no needles is off-topic: answered right only by an empty result; "near" questions
(the reports' vocabulary, but no answer in them) may get related passages, never a
confident answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RetrievalError
from .text import squeeze

NEAR_KIND = "near"


@dataclass(frozen=True)
class Answer:
    """What a search returned for one question: passage texts best first, and the tier."""

    texts: tuple[str, ...]
    confident: bool


@dataclass(frozen=True)
class QuestionResult:
    id: str
    query: str
    kind: str
    in_domain: bool
    first_hit: int | None
    results: int
    confident: bool


@dataclass(frozen=True)
class EvalReport:
    questions: tuple[QuestionResult, ...] = field(default=())

    def summary(self) -> dict:
        """Overall figures, then the same per question kind."""
        figures = _figures(self.questions)
        kinds = sorted({q.kind for q in self.questions})
        figures["kinds"] = {
            kind: _figures([q for q in self.questions if q.kind == kind]) for kind in kinds
        }
        return figures


def _figures(questions: Sequence[QuestionResult]) -> dict:
    inside = [q for q in questions if q.in_domain]
    far = [q for q in questions if not q.in_domain and q.kind != NEAR_KIND]
    near = [q for q in questions if not q.in_domain and q.kind == NEAR_KIND]
    share = lambda n, of: round(n / len(of), 4) if of else None  # noqa: E731
    figures = {"questions": len(questions), "in_domain": len(inside)}
    if inside:
        figures |= {
            "hit@1": share(sum(1 for q in inside if q.first_hit == 1), inside),
            "hit@5": share(sum(1 for q in inside if q.first_hit and q.first_hit <= 5), inside),
            "mrr@10": share(
                sum(1 / q.first_hit for q in inside if q.first_hit and q.first_hit <= 10), inside
            ),
            "confident": share(sum(1 for q in inside if q.confident), inside),
            "nothing_returned": sum(1 for q in inside if not q.results),
        }
    outside = far + near
    if outside:  # the earlier keys, for tools that read them: every question without needles
        figures |= {
            "ood_rejected": sum(1 for q in outside if not q.results),
            "ood_total": len(outside),
        }
    if far:
        figures |= {"off_topic": len(far), "off_topic_answered": sum(1 for q in far if q.results)}
    if near:
        figures |= {
            "near": len(near),
            "near_confident": sum(1 for q in near if q.confident),
            "near_answered": sum(1 for q in near if q.results),
        }
    return figures


def load_questions(path: Path) -> list[dict]:
    """Questions from a JSON Lines file; a malformed line is an error naming its number."""
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            needles = [str(n) for n in item.get("needles", [])]
            questions.append(
                {
                    "id": str(item.get("id", number)),
                    "query": str(item["query"]),
                    "needles": needles,
                    "kind": str(item.get("kind") or ("answer" if needles else "far")),
                }
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
            raise RetrievalError(
                f"{path.name} line {number}: not a question object ({error})"
            ) from error
    return questions


def evaluate(questions: Iterable[dict], search: Callable[[str], Answer]) -> EvalReport:
    """Run every question through `search`."""
    results = []
    for question in questions:
        answer = search(question["query"])
        needles = [squeeze(n) for n in question["needles"]]
        first = next(
            (
                rank
                for rank, text in enumerate(answer.texts, start=1)
                if any(n in squeeze(text) for n in needles)
            ),
            None,
        )
        results.append(
            QuestionResult(
                question["id"],
                question["query"],
                question["kind"],
                bool(needles),
                first,
                len(answer.texts),
                bool(answer.texts) and answer.confident,
            )
        )
    return EvalReport(tuple(results))
