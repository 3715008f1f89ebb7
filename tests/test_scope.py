"""Filters from words: a year, a report and a kind named in the question filter the search."""

from __future__ import annotations

import datetime
import json

import pytest
from click.testing import CliRunner
from telegram_harness import seeded_db

from reportbot.bot.cli import cli
from reportbot.retrieval.scope import ReportFacts, may_name_scope, recognise

REPORTS = [
    ReportFacts(
        5, "市委办公室党总支2020年党建工作总结", frozenset({(2020, "work"), (2020, "plan")})
    ),
    ReportFacts(
        8,
        "区委直属机关工委2020年工作总结和2021年工作安排",
        frozenset({(2020, "work"), (2021, "plan")}),
    ),
    ReportFacts(9, "局党组书记党建工作述职报告", frozenset({(2020, "work"), (2020, "problem")})),
    ReportFacts(7, "2020年市局机关上半年党建工作总结", frozenset({(2020, "work")})),
]


def test_a_year_and_a_kind_in_the_question():
    scope = recognise("2021年的打算", REPORTS, 2026)
    assert (scope.year, scope.kind, scope.doc_ids) == (2021, "plan", ())
    assert scope.query == "2021年的打算"  # only 打算 would be left: nothing to score


def test_relative_years_count_back_from_today_and_only_years_the_reports_cover():
    assert recognise("去年党员发展", REPORTS, 2021).year == 2020
    assert recognise("前年党员发展", REPORTS, 2022).year == 2020
    unknown = recognise("去年党员发展", REPORTS, 2026)
    assert not unknown and unknown.query == "去年党员发展"
    assert unknown.missing_year is None  # 去年 is loose talk; only a year written out is noted
    assert recognise("2019年党员发展", REPORTS, 2026).missing_year == 2019
    assert recognise("2021年的打算", REPORTS, 2026).missing_year is None  # plans cover 2021


def test_abbreviated_report_names_match_by_their_characters():
    scope = recognise("市委办的报告里怎么写的作风建设", REPORTS, 2026)
    assert scope.doc_ids == (5,) and scope.query == "怎么写的作风建设"
    assert recognise("区直机关工委的报告里第一书记", REPORTS, 2026).doc_ids == (8,)
    assert recognise("市局上半年总结里党费", REPORTS, 2026).doc_ids == (7,)


def test_a_report_kind_and_a_section_kind():
    scope = recognise("述职报告里存在什么问题", REPORTS, 2026)
    assert (scope.doc_ids, scope.kind) == ((9,), "problem")


def test_names_matching_no_report_or_every_report_are_no_filter():
    assert not recognise("党建的报告里怎么说", REPORTS, 2026)
    assert not recognise("医院的报告里怎么说", REPORTS, 2026)


def test_a_kind_leaves_reports_without_such_sections_whole():
    scope = recognise("下半年党建啥打算", REPORTS, 2026)
    assert scope.kind == "plan" and scope.unlabelled == (9, 7)


# through the CLI ----------------------------------------------------------------------


@pytest.fixture
def run(tmp_path):
    db = seeded_db(tmp_path / "reports.db")

    def invoke(*args: str, db=db) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_ask_shows_the_filters_it_applied(run):
    assert run("ask", "2021年的打算").startswith("只看：2021年 · 下步打算\n[1] ")
    hits = json.loads(run("search", "2021年的打算", "--json"))
    assert hits and {(h["doc_id"], h["kind"]) for h in hits} == {(4, "plan")}


def test_a_year_no_report_covers_is_said_and_the_answer_is_only_related(run):
    out = run("ask", "2019年发展了几个党员", "-k", "1")
    assert out.startswith("没有2019年的报告，以下来自其他年份\n没有找到直接回答")
    assert not any(
        h["confident"] for h in json.loads(run("search", "2019年发展了几个党员", "--json"))
    )


def test_unfiltered_asks_over_every_report(run):
    out = run("ask", "述职报告里存在什么问题", "--unfiltered", "-k", "5")
    assert not out.startswith("只看")
    kinds = {
        h["kind"]
        for h in json.loads(run("search", "2021年的打算", "--json", "--unfiltered", "-k", "10"))
    }
    assert kinds != {"plan"}


def test_search_json_keeps_its_shape_with_filters_from_words(run):
    hits = json.loads(run("search", "市委办的报告里怎么写的作风建设", "--json"))
    assert isinstance(hits, list) and hits
    assert {h["doc_title"] for h in hits} == {"市委办公室党总支2020年党建工作总结"}
    assert {h["doc_title"] for h in json.loads(run("search", "作风建设", "--json"))} != {
        "市委办公室党总支2020年党建工作总结"
    }


def test_a_report_kind_and_problem_sections_from_words(run):
    out = run("ask", "述职报告里存在什么问题")
    assert out.startswith("只看：《局党组书记党建工作述职报告》 · 存在问题\n")
    kinds = {h["kind"] for h in json.loads(run("search", "述职报告里存在什么问题", "--json"))}
    assert kinds == {"problem"}


def test_filters_from_words_on_the_shipped_samples(db_path, service):
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(db_path), "ask", "2024年的打算"]).output
    assert out.startswith("只看：2024年 · 下步打算\n")
    assert "2024年工作" in out


def test_last_year_is_the_calendar_year_before_this_one(tmp_path):
    year = datetime.date.today().year - 1
    report = tmp_path / "report.txt"
    report.write_text(
        f"测试中心党支部{year}年党建工作总结\n一、主要工作\n（一）抓学习。全年开展专题学习12次。\n"
        "二、存在问题\n一是理论学习不够深入，学用结合不紧。\n三、下步打算\n（一）强化学习，每月集中学习一次。\n",
        "utf-8",
    )
    db = tmp_path / "own.db"
    CliRunner().invoke(cli, ["--db", str(db), "ingest", str(report)], catch_exceptions=False)
    out = CliRunner().invoke(cli, ["--db", str(db), "ask", "去年存在什么问题"]).output
    assert out.startswith(f"只看：{year}年 · 存在问题\n") and "理论学习不够深入" in out


def test_only_questions_naming_a_year_report_or_kind_read_the_reports_facts():
    assert may_name_scope("2021年的打算") and may_name_scope("市委办的报告里作风建设")
    assert may_name_scope("有啥短板") and not may_name_scope("支部书记签了几份责任书")


def test_a_unit_named_without_a_report_word_is_a_filter_and_leaves_the_topic():
    scope = recognise("市委办一年写了多少篇稿子", REPORTS, 2026)
    assert scope.doc_ids == (5,) and scope.query == "一年写了多少篇稿子"
    assert recognise("市局上半年开了几次会", REPORTS, 2026).doc_ids == (7,)
    # a name most reports hold is no filter; words that are not a unit's name neither
    assert not recognise("机关党建考核咋样", REPORTS, 2026).doc_ids
    assert not recognise("党建工作存在啥问题", REPORTS, 2026).doc_ids


def test_a_year_the_reports_hold_only_plans_for_filters_only_a_question_about_plans():
    assert recognise("2021年干了啥", REPORTS, 2026).year is None  # 2021: plans only
    assert recognise("2021年有啥打算", REPORTS, 2026).year == 2021
    assert recognise("去年干了啥", REPORTS, 2021).year == 2020


def test_a_unit_word_that_is_the_topic_falls_back_to_every_report(service, tmp_path):
    reports = {
        "a.txt": "青石社区党支部2021年党建工作总结\n一、主要工作\n（一）组织学习。全年组织学习12次。\n",
        "b.txt": "白沙社区党支部2021年党建工作总结\n一、主要工作\n（一）志愿服务。开展志愿服务8次。\n",
        "c.txt": "东湖街道党工委2021年工作总结\n一、主要工作\n"
        "（一）后进社区整顿。对3个后进社区逐一制定整顿方案，派驻第一书记。\n",
        "d.txt": "西山镇党委2021年工作总结\n一、主要工作\n（一）理论学习。中心组学习10次。\n",
        "e.txt": "南湖街道党工委2021年工作总结\n一、主要工作\n（一）党员教育。举办培训班2期。\n",
    }
    for name, text in reports.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    service.ingest([tmp_path / name for name in reports])
    response = service.answer("后进社区怎么整顿的", 5)
    assert response.hits and "整顿方案" in response.hits[0].text
    assert not response.scope or not response.scope.doc_ids


def test_asked_for_plans_a_report_without_plans_does_not_come_first(service, tmp_path):
    (tmp_path / "a.txt").write_text(
        "东湖街道党工委2021年工作总结\n一、主要工作\n（一）理论学习。开展学习。\n"
        "二、下步打算\n（一）持续深化。健全制度，抓好理论武装。\n",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text(
        "西山镇党委2021年上半年工作总结\n一、主要工作\n"
        "（一）理论学习。制定理论学习计划，下半年打算继续开展理论学习，理论学习覆盖全体党员。\n",
        encoding="utf-8",
    )
    service.ingest([tmp_path / "a.txt", tmp_path / "b.txt"])
    response = service.answer("明年理论学习有啥打算", 5)
    assert response.scope and response.scope.kind == "plan"
    assert response.hits[0].kind == "plan"
