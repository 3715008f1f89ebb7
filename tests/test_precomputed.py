"""What ingest precomputes for answers changes no answer, and older databases still work."""

from __future__ import annotations

import json
import sqlite3

from reportbot.bot.service import ReportService
from reportbot.retrieval.text import compact_form

QUESTIONS = ["支部书记签了几份责任书", "党员春训怎么搞的", "存在哪些问题", "民主生活会一年要开几次"]


def answers(service: ReportService) -> list:
    return [
        [(h.chunk_id, h.score, h.confident, h.matched_terms) for h in service.answer(q).hits]
        for q in QUESTIONS
    ]


def test_passages_are_stored_in_their_compared_form(seeded):
    rows = seeded.store.db.execute("select text, compact from chunks").fetchall()
    assert rows and all(compact == compact_form(text) for text, compact in rows)


def test_passages_stored_before_the_compact_column_answer_the_same(seeded, db_path):
    before = answers(seeded)
    seeded.close()
    with sqlite3.connect(db_path) as conn:  # as a database from before migration 0020 holds them
        conn.execute("update chunks set compact = null")
    reopened = ReportService.open(db_path)
    try:
        assert answers(reopened) == before
    finally:
        reopened.close()


def test_a_logged_question_keeps_every_column(seeded):
    response = seeded.search(QUESTIONS[0], 3, source="telegram", user_id=7, chat_id=9)
    row = seeded.store.db.execute(
        "select source, user_id, chat_id, query, result_ids, results, confident from query_log "
        "where id = ?",
        [response.query_log_id],
    ).fetchone()
    ids = [h.chunk_id for h in response.hits]
    assert row == ("telegram", 7, 9, QUESTIONS[0], json.dumps(ids), len(ids), 1)
