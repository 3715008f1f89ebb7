"""Does feedback teach the ranking? A simulated team votes, then asks again.

Over a fresh database of the seed reports, every answerable question of the question file
whose answer sits at rank 2–5 gets one 👍 on the answering passage and one 👎 on the wrong
rank-1 passage (from a team of four taking turns). Then the same questions and a rewording
of each (benchmarks/data/feedback_rewordings.jsonl, written for this run, not taken from
the reports) are asked again. Prints hit@1 before and after for both, hit@1 over all
answerable questions (what the votes did to the others), whether off-topic and
near-domain questions stay unanswered / not confident, and the same after clearing the
votes (reversible):

    python benchmarks/feedback_run.py ../shared/seeds ../shared/eval/dev_colloquial.jsonl
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from reportbot.bot.service import ReportService
from reportbot.retrieval.evaluation import Answer, QuestionResult, evaluate, load_questions
from reportbot.retrieval.models import Hit
from reportbot.retrieval.ranking import CONFIDENT

REWORDINGS = Path(__file__).resolve().parent / "data" / "feedback_rewordings.jsonl"
TEAM = ("teammate-1", "teammate-2", "teammate-3", "teammate-4")
DEPTH = 10


def ask(service: ReportService, question: dict) -> tuple[QuestionResult, tuple[Hit, ...]]:
    """The question's result as `reportbot eval` judges it, and the passages shown."""
    shown: list[tuple[Hit, ...]] = []

    def search(query: str) -> Answer:
        response = service.answer(query, DEPTH)
        shown.append(response.hits)
        return Answer(tuple(h.text for h in response.hits), response.tier == CONFIDENT)

    [result] = evaluate([question], search).questions
    return result, shown[0]


def figures(service: ReportService, questions: Sequence[dict]) -> dict:
    """hit@1 (answerable), far questions answered, near questions answered confidently."""
    results = [ask(service, q)[0] for q in questions]
    inside = [r for r in results if r.in_domain]
    far = [r for r in results if not r.in_domain and r.kind != "near"]
    near = [r for r in results if not r.in_domain and r.kind == "near"]
    return {
        "hit@1": sum(r.first_hit == 1 for r in inside),
        "answerable": len(inside),
        "far_answered": sum(r.results > 0 for r in far),
        "far": len(far),
        "near_confident": sum(r.confident for r in near),
        "near": len(near),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=Path)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--rewordings", type=Path, default=REWORDINGS)
    args = parser.parse_args()
    questions = load_questions(args.questions)
    rewordings = {
        item["id"]: item["rewording"]
        for item in map(json.loads, args.rewordings.read_text("utf-8").splitlines())
    }
    with tempfile.TemporaryDirectory() as folder:
        service = ReportService.open(Path(folder) / "team.db")
        service.ingest([args.seeds])
        print(json.dumps(run(service, questions, rewordings), indent=2))
        service.close()


def run(service: ReportService, questions: Sequence[dict], rewordings: dict[str, str]) -> dict:
    """Figures before the votes, after them and after clearing them."""
    before = figures(service, questions)
    votes = []
    for question in questions:
        result, hits = ask(service, question)
        if result.first_hit and 2 <= result.first_hit <= 5:
            votes.append((question, hits[result.first_hit - 1].chunk_id, hits[0].chunk_id))
    voted = [q for q, _, _ in votes]
    reworded = [{**q, "query": rewordings[q["id"]]} for q in voted if q["id"] in rewordings]
    same_before, reworded_before = figures(service, voted), figures(service, reworded)
    for turn, (question, right, wrong) in enumerate(votes):
        voter = TEAM[turn % len(TEAM)]
        service.vote_passage(question["query"], right, True, voter=voter)
        service.vote_passage(question["query"], wrong, False, voter=voter)
    after = {
        "same": figures(service, voted),
        "reworded": figures(service, reworded),
        "all": figures(service, questions),
    }
    service.clear_votes()
    return {
        "voted": len(voted),
        "reworded": len(reworded),
        "same_hit@1": [same_before["hit@1"], after["same"]["hit@1"]],
        "reworded_hit@1": [reworded_before["hit@1"], after["reworded"]["hit@1"]],
        "all": {"before": before, "after": after["all"]},
        "cleared": figures(service, questions),
    }


if __name__ == "__main__":
    main()
