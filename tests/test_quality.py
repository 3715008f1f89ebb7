"""Answer quality measured on question files: the dev sets' targets and our own paraphrases."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportbot.retrieval.evaluation import load_questions

PARAPHRASES = Path(__file__).parent / "data" / "paraphrases.jsonl"
COLLOQUIAL_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_colloquial.jsonl"


@pytest.fixture
def with_samples(seeded):
    """Seeds plus the shipped samples (ingested as ordinary reports) for the paraphrase set."""
    samples = Path(__file__).resolve().parents[1] / "storage" / "samples"
    results = seeded.ingest(sorted(samples.glob("*.txt")))
    assert {r.status for r in results} == {"added"}
    return seeded


def figures(service, path: Path) -> dict:
    return service.evaluate(load_questions(path)).summary()


def test_dev_set_targets(seeded, dev_set):
    f = figures(seeded, dev_set)
    assert f["hit@1"] >= 0.95
    assert f["hit@5"] == 1.0
    assert f["mrr@10"] >= 0.97
    assert f["off_topic"] > 0 and f["off_topic_answered"] == 0


def test_colloquial_set_targets(seeded):
    if not COLLOQUIAL_SET.exists():
        pytest.skip(f"{COLLOQUIAL_SET} not found")
    f = figures(seeded, COLLOQUIAL_SET)
    assert f["hit@5"] >= 0.88
    assert f["hit@1"] >= 0.70
    assert f["off_topic_answered"] <= 1  # as a related-only answer, never a confident one
    assert f["near_confident"] <= 3


def test_paraphrases_and_off_topic_questions(with_samples):
    f = figures(with_samples, PARAPHRASES)
    assert f["hit@5"] >= 0.95
    assert f["hit@1"] >= 0.85
    # General questions sharing real report words (微信转账, 提高质量) may get related passages.
    assert f["off_topic_answered"] <= 0.25 * f["off_topic"]


def test_in_domain_questions_are_not_rejected(with_samples):
    questions = [q for q in load_questions(PARAPHRASES) if q["needles"]]
    unanswered = [q["query"] for q in questions if not with_samples.search(q["query"]).hits]
    assert unanswered == []


def test_evaluation_does_not_write_the_query_log(seeded, dev_set):
    before = seeded.stats().queries
    seeded.evaluate(load_questions(dev_set))
    assert seeded.stats().queries == before


def test_results_are_not_padded_with_noise(seeded):
    hits = seeded.search("党员春训", 10).hits
    assert hits and all("春训" in h.text or "春训" in "".join(h.section_path) for h in hits)
