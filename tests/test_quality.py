"""Answer quality measured on question files: the dev set's targets and our own paraphrases."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportbot.retrieval.evaluation import evaluate, load_questions

PARAPHRASES = Path(__file__).parent / "data" / "paraphrases.jsonl"


@pytest.fixture
def with_samples(seeded):
    """Seeds plus the shipped samples (ingested as ordinary reports) for the paraphrase set."""
    samples = Path(__file__).resolve().parents[1] / "storage" / "samples"
    results = seeded.ingest(sorted(samples.glob("*.txt")))
    assert {r.status for r in results} == {"added"}
    return seeded


def run(service, path: Path):
    questions = load_questions(path)
    return evaluate(questions, lambda q: [h.text for h in service.search(q, 10, source="eval").hits])


def test_dev_set_targets(seeded, dev_set):
    report = run(seeded, dev_set)
    rejected, total = report.out_of_domain
    assert report.hit_at(1) >= 0.95
    assert report.hit_at(5) == 1.0
    assert report.mrr_at(10) >= 0.97
    assert rejected == total > 0


def test_paraphrases_and_off_topic_questions(with_samples):
    report = run(with_samples, PARAPHRASES)
    rejected, total = report.out_of_domain
    assert report.hit_at(5) >= 0.95
    assert report.hit_at(1) >= 0.85
    assert rejected >= 0.95 * total


def test_in_domain_questions_are_not_rejected(with_samples):
    questions = [q for q in load_questions(PARAPHRASES) if q["needles"]]
    unanswered = [q["query"] for q in questions if not with_samples.search(q["query"]).hits]
    assert unanswered == []


def test_results_are_not_padded_with_noise(seeded):
    hits = seeded.search("党员春训", 10).hits
    assert hits and all("春训" in h.text or "春训" in "".join(h.section_path) for h in hits)
