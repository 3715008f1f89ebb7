"""How well each piece of evidence separates answerable questions from near-domain ones.

For every question of the given files the best passage is judged as the ranking judges it
(retrieval.ranking): its coverage of the question, its best sentence's coverage, the
matched information content (coverage × the question's total weight, in nats) and whether
it supplies the asked answer type. Printed: the AUC of each (answerable vs near-domain;
0.5 = no separation) and the trade-off of the rule "supplies the answer type and covers
≥ t of the question" — the share of answerable questions it makes confident against the
share of near-domain ones.

    python benchmarks/tier_separation.py --db seeds.db ../shared/eval/dev_colloquial.jsonl …
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import replace
from pathlib import Path

from reportbot.bot.service import ReportService
from reportbot.retrieval.ranking import Candidate, CueSet, passage_coverage
from reportbot.retrieval.tokenizer import tokenize

SENTENCE = re.compile(r"[。；;！？!?]")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def judged(service: ReportService, question: str) -> dict | None:
    """Evidence on the best passage for one question, or None when nothing is returned."""
    response = service.answer(question, 5)
    if not response.hits:
        return None
    hit = response.hits[0]
    analysis = service.analyze(question)
    candidate = Candidate(
        hit.chunk_id, hit.score, hit.doc_id, hit.doc_title, hit.section_path, hit.kind,
        hit.text, " ".join(tokenize(hit.text)),
    )  # fmt: skip
    heading = hit.section_path[-1] if hit.section_path else ""
    sentences = [s for s in SENTENCE.split(candidate.compact) if s]
    coverage = passage_coverage(analysis, candidate)
    return {
        "coverage": coverage,
        "sentence": max(
            passage_coverage(analysis, replace(candidate, text=heading + s, words="", doc_title=""))
            for s in sentences
        ),
        "information": coverage * analysis.total_weight,
        "supplies": float(CueSet(analysis).supplies(candidate)),
    }


def auc(positive: list[float], negative: list[float]) -> float:
    """Probability that an answerable question's value beats a near-domain one's."""
    pairs = [(p > n) + 0.5 * (p == n) for p in positive for n in negative]
    return sum(pairs) / len(pairs) if pairs else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    service = ReportService.open(args.db)
    answerable, near = [], []
    for path in args.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            question = json.loads(line)
            if question["kind"] == "far":
                continue
            evidence = judged(service, question["query"])
            if evidence:
                (near if question["kind"] == "near" else answerable).append(evidence)
    print(f"{len(answerable)} answerable and {len(near)} near-domain questions with a passage")
    for feature in answerable[0]:
        value = auc([e[feature] for e in answerable], [e[feature] for e in near])
        print(f"AUC {feature:12s} {value:.3f}")
    print("supplies and coverage ≥ t: answerable confident / near confident")
    for t in THRESHOLDS:
        share = [
            sum(e["supplies"] and e["coverage"] >= t for e in group) / len(group)
            for group in (answerable, near)
        ]
        print(f"  t = {t:.1f}: {share[0]:.2f} / {share[1]:.2f}")


if __name__ == "__main__":
    main()
