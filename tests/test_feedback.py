"""Passage votes teach the ranking: they move passages, stay bounded and can be cleared."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from telegram_harness import seeded_db

from reportbot.bot.cli import cli
from reportbot.retrieval.feedback import FeedbackModel, Vote, similarity
from reportbot.retrieval.ranking import Candidate
from reportbot.retrieval.search import QueryAnalysis, QueryWord

QUESTION = "支部书记签了几份责任书？"
REWORDING = "书记们一共签了多少份责任书"


@pytest.fixture
def db(tmp_path):
    return seeded_db(tmp_path / "team.db")


@pytest.fixture
def run(db):
    def invoke(*args: str, expect: int = 0) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result.output

    return invoke


def ranked(run, question: str) -> list[int]:
    return [h["chunk_id"] for h in json.loads(run("search", question, "--json", "-k", "10"))]


def test_votes_move_passages_for_the_question_and_a_rewording(run):
    before = ranked(run, QUESTION)
    wrong, right = before[0], before[2]
    assert "rank 1 → rank 2" in run("feedback", QUESTION, str(wrong), "down", "--user", "ann")
    assert "rank 3 → rank 1" in run("feedback", QUESTION, str(right), "up", "--user", "ann")
    hits = json.loads(run("search", QUESTION, "--json"))
    assert hits[0]["chunk_id"] == right and hits[0]["feedback"] == 3.0
    assert ranked(run, QUESTION).index(wrong) > 0
    assert ranked(run, REWORDING)[0] == right  # shares 签, 责任书, 书记 with the voted question


def test_clear_puts_the_ranking_back(run):
    before = ranked(run, QUESTION)
    run("feedback", QUESTION, str(before[0]), "down")
    run("feedback", QUESTION, str(before[2]), "up")
    assert run("feedback", "clear", str(before[0])) == "cleared 1 vote(s)\n"
    assert ranked(run, QUESTION) != before  # the 👍 still counts
    assert run("feedback", "clear") == "cleared 1 vote(s)\n"
    assert ranked(run, QUESTION) == before
    assert run("feedback", "list") == "no votes yet\n"


def test_list_says_who_voted_what_and_what_it_moved(run):
    chunk = ranked(run, QUESTION)[2]
    run("feedback", QUESTION, str(chunk), "up", "--user", "ann")
    run("feedback", QUESTION, str(chunk), "up", "--user", "ann")  # again: still one vote
    [vote] = json.loads(run("feedback", "list", "--json"))
    assert vote["question"] == QUESTION and vote["chunk_id"] == chunk
    assert (vote["vote"], vote["voter"], vote["source"]) == ("up", "ann", "cli")
    assert (vote["rank_before"], vote["rank_after"]) == (3, 2)
    assert vote["doc_title"] and isinstance(vote["section_path"], list)
    assert f"👍 [{chunk}] {vote['doc_title']}" in run("feedback", "list")


def test_a_vote_needs_a_passage_that_exists(run):
    assert "no passage with id 999999" in run("feedback", QUESTION, "999999", "up", expect=1)


def test_nothing_stays_nothing(run):
    chunk = ranked(run, QUESTION)[0]
    for user in ("ann", "bob", "cat"):
        run("feedback", "明天上海会下雨吗", str(chunk), "up", "--user", user)
    assert json.loads(run("search", "明天上海会下雨吗", "--json")) == []
    assert "没有找到" in run("ask", "明天上海会下雨吗")


def test_the_only_match_is_not_hidden(run):
    [only] = ranked(run, "失联党员怎么处置")
    for user, question in [("ann", "失联党员怎么处置"), ("bob", "失联党员咋处理"), ("cat", "失联")]:
        run("feedback", question, str(only), "down", "--user", user)
    assert ranked(run, "失联党员怎么处置") == [only]


def test_the_cli_votes_from_a_real_process(db):
    env = {**os.environ, "REPORTBOT_DB": str(db)}
    script = os.path.join(os.path.dirname(sys.executable), "reportbot")
    first = json.loads(
        subprocess.run(
            [script, "search", QUESTION, "--json"], env=env, capture_output=True, check=True
        ).stdout
    )[0]["chunk_id"]
    out = subprocess.run(
        [script, "feedback", QUESTION, str(first), "down", "--user", "ann"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith(f"recorded: down on passage {first}")


# the model itself ---------------------------------------------------------------------


def analysis(question: str, *words: str) -> QueryAnalysis:
    return QueryAnalysis(
        question, words, tuple(QueryWord(w, 5.0, (), 1.0) for w in words), coverage=1.0
    )


def candidate(chunk_id: int, text: str) -> Candidate:
    return Candidate(chunk_id, 1.0, 1, "报告", ("一、",), "work", text, "")


def test_an_up_vote_never_lifts_a_passage_without_the_questions_words():
    model = FeedbackModel([Vote("党费收缴", 1, "ann", 1), Vote("党费收缴", 2, "ann", 1)])
    asked = analysis("党费收缴", "党费", "收缴")
    adjusted, effects = model.adjust(
        asked, [candidate(1, "按时收缴党费"), candidate(2, "开展主题党日活动")]
    )
    assert [c.score for c in adjusted] == [3.0, 1.0]
    assert effects[2].capped and effects[2].factor == 1.0


def test_votes_count_by_how_much_the_questions_share():
    assert similarity("党费收缴", "党费收缴？") == 1.0
    assert 0.3 < similarity("党费收缴情况", "党费怎么收缴的") < 1.0
    assert similarity("党费收缴", "红色教育基地") == 0.0
    model = FeedbackModel([Vote("红色教育基地", 1, "ann", -1)])
    assert model.effect(analysis("党费收缴", "党费"), candidate(1, "收缴党费")) is None


def test_many_people_voting_a_passage_down_for_many_questions_give_it_a_prior():
    votes = [Vote(q, 7, who, -1) for q, who in [("甲乙", "ann"), ("丙丁", "bob"), ("戊己", "ann")]]
    effect = FeedbackModel(votes).effect(analysis("别的问题", "问题"), candidate(7, "问题"))
    assert effect is not None and effect.prior and effect.factor == 0.7
    assert FeedbackModel(votes[:2]).effect(analysis("别的", "别的"), candidate(7, "x")) is None


def test_votes_on_the_samples_are_forgotten_when_the_first_report_arrives(
    tmp_path, db_path, service
):
    # from the first report on, searches draw on the user's reports, not the samples
    db = db_path  # an empty database

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    sample_passage = json.loads(run("search", QUESTION, "--json"))[0]["chunk_id"]
    run("feedback", QUESTION, str(sample_passage), "down", "--user", "ann")
    listed = run("feedback", "list")
    assert "ann" in listed and "passage deleted" not in listed  # cited from the samples
    report = tmp_path / "mine.txt"
    report.write_text("某局2024年工作总结\n一、主要工作\n（一）抓学习。全年学习12次。\n", "utf-8")
    run("ingest", str(report))
    assert "ann" not in run("feedback", "list")


def test_votes_cast_in_the_terminal_by_earlier_versions_name_the_terminal(run, db):
    import sqlite3

    chunk = ranked(run, QUESTION)[0]
    with sqlite3.connect(db) as conn:  # as versions before 0051 stored a `reportbot chat` vote
        conn.execute(
            "insert into passage_votes (question, question_key, chunk_id, voter, source, vote, "
            "time) values (?, ?, ?, '0', 'terminal', 1, '2026-11-30T08:00:00+00:00')",
            [QUESTION, QUESTION, chunk],
        )
        conn.execute("delete from _sqlite_migrations where name = '0051_terminal_voters'")
    listed = run("feedback", "list")
    assert f"for “{QUESTION}” by terminal (terminal, 2026-11-30T08:00)" in listed
    assert "by 0" not in listed
