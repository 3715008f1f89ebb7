"""Everyday questions against official wording: each cause of a colloquial miss, one test.

The reports here are our own, written in the genre; questions are phrased the way people
type them on a phone.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reportbot.bot.cli import cli
from reportbot.retrieval.numbers import number_tokens
from reportbot.retrieval.ranking import CONFIDENT, NOTHING, RELATED
from reportbot.retrieval.tokenizer import general_weight, query_words

BUREAU = """市水务局机关党委2024年党建工作总结
一、主要工作
（一）压实主体责任。局党组书记认真履行第一责任人职责，与8个支部书记签订党建目标责任书。
（二）规范组织生活。全年开展主题党日12次，每月第一个周五为固定主题党日。
（三）抓好问题整改。针对去年巡察反馈的问题，逐项制定整改措施，所有问题已整改完毕。
（四）加强作风建设。深入开展形式主义、官僚主义专项整治，精简会议文件，会议数量同比下降三成。
（五）关心关爱群众。春节前走访慰问困难群众46户，送去米面油等慰问品。
（六）选树先进典型。七一前夕表彰优秀共产党员15名、优秀党务工作者5名。
二、存在问题
一是理论学习深度不够，学用结合不紧。二是个别支部组织生活质量不高。
三、下步打算
一是深化理论武装，每季度开展一次专题研讨。二是推动党建与业务深度融合。
"""

DISTRICT = """区农业农村局党组2024年工作总结
一、工作开展情况
（一）理论学习。党组中心组集中学习15次，专题研讨6次。
（二）帮扶工作。结对帮扶村集体经济项目3个，开展消费扶贫。
二、下步工作打算
持续抓好理论学习，健全中心组学习制度。
"""


@pytest.fixture
def reports(service, tmp_path):
    for name, text in (("bureau.txt", BUREAU), ("district.txt", DISTRICT)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    results = service.ingest([tmp_path / "bureau.txt", tmp_path / "district.txt"])
    assert {r.status for r in results} == {"added"}
    return service


def ingested(service, tmp_path, text: str):
    """The service with one more report of ours, written to a file and ingested."""
    path = tmp_path / f"report{len(list(tmp_path.glob('report*.txt')))}.txt"
    path.write_text(text, encoding="utf-8")
    assert service.ingest([path])[0].status == "added"
    return service


def top(service, question: str) -> str:
    response = service.answer(question, 5)
    assert response.hits, f"nothing for {question}"
    return response.hits[0].text


def test_questions_are_segmented_without_invented_words():
    assert "中有" not in query_words("工作中有哪些问题")
    assert "问题" in query_words("工作中有哪些问题")


def test_characters_left_apart_are_joined_by_the_reports_vocabulary():
    assert not {"应知", "应会"} & set(query_words("应知应会考试多少人参加"))
    joined = query_words("应知应会考试多少人参加", {"应知", "应会"}.__contains__)
    assert {"应知", "应会"} <= set(joined)
    # a joined pair is as informative as its characters, not as a never-seen word
    assert general_weight("应知") == pytest.approx(
        (general_weight("应") + general_weight("知")) / 2
    )


def test_colloquial_filler_is_not_content():
    words = query_words("一共搞了几回主题党日啊")
    assert "主题党日" in words
    assert not {"一共", "搞", "几回"} & set(words)
    wording = query_words("讲作风建设的排比句有没有，结尾那段的提法")
    assert "作风建设" in wording
    assert not {"排比句", "结尾", "那段", "提法"} & set(wording)


def test_chinese_numerals_and_digits_meet():
    assert "12次" in number_tokens("开了十二回会")
    assert number_tokens("全年开展主题党日12次") == ["12次"]
    assert "100" in number_tokens("捐了一百元")


def test_a_count_in_chinese_numerals_finds_the_digits(reports):
    assert "主题党日12次" in top(reports, "主题党日是不是搞了十二回")


def test_bigrams_bridge_different_segmentation(reports):
    assert "所有问题已整改完毕" in top(reports, "去年巡察查出来的毛病都改完没")


def test_everyday_words_reach_official_ones(reports):
    assert "第一责任人" in top(reports, "一把手咋履行责任的")
    assert "精简会议文件" in top(reports, "开会发文件太多的毛病咋整治的")


def test_cilin_supplies_synonyms_the_reports_use(reports):
    # 表扬 occurs nowhere; 同义词词林 puts it in one exact-synonym group with 表彰
    [word] = [w for w in reports.analyze("表扬了多少优秀党员").words if w.word == "表扬"]
    assert "表彰" in word.expansions
    assert "表彰优秀共产党员15名" in top(reports, "表扬了多少优秀党员")


def test_team_synonyms_are_live_at_once(reports):
    question = "温饱物资发了没"
    assert reports.answer(question, 5).tier == NOTHING
    reports.add_synonym("温饱物资", "慰问品")
    assert "慰问品" in top(reports, question)
    assert reports.remove_synonym("慰问品") == 1
    assert reports.answer(question, 5).tier == NOTHING


def test_synonyms_alone_do_not_answer_an_off_topic_question(reports):
    reports.add_synonym("打游戏", "理论学习")
    assert reports.answer("周末打游戏用什么手机好", 5).tier != CONFIDENT


def test_count_questions_prefer_the_passage_with_the_figure(reports):
    assert "集中学习15次" in top(reports, "党组中心组一年学了几次")


def test_plan_questions_prefer_plan_sections(reports):
    hits = reports.answer("明年理论学习咋打算的", 5).hits
    assert hits[0].kind == "plan"


def test_proximity_counts_in_either_order(reports):
    assert "固定主题党日" in top(reports, "主题党日固定在哪天")


def test_three_tiers(reports):
    assert reports.answer("红烧肉咋做才不腻", 5).tier == NOTHING
    assert reports.answer("支部书记签了几份责任书", 5).tier == CONFIDENT
    # the reports name 主题党日 but never say how long one lasts: related, not an answer
    assert reports.answer("主题党日一次要搞多长时间", 5).tier == RELATED


def test_a_place_the_reports_never_mention_points_elsewhere(reports):
    # 走访 and 三天 are report words; 厦门 (a place) never occurs in them.
    assert reports.answer("去厦门走访三天咋安排", 5).tier == NOTHING
    assert reports.answer("走访慰问了多少户困难群众", 5).tier == CONFIDENT


def test_rhythm_answers_how_often(reports):
    response = reports.answer("专题研讨多久搞一回", 5)
    assert response.tier == CONFIDENT and "每季度" in response.hits[0].text


def test_a_wording_request_is_answered_by_the_topic_not_a_definition(reports):
    response = reports.answer("整治形式主义那块的说法是啥", 5)
    assert response.tier == CONFIDENT and "专项整治" in response.hits[0].text


def test_a_bare_number_is_not_a_question_about_these_reports(reports):
    # "1." numbers items in every report: common here, but no topic
    for question in ("1", "12", "一", "XX"):
        assert reports.answer(question, 5).tier == NOTHING
    assert reports.answer("12次主题党日", 5).tier != NOTHING


def test_cue_words_alone_do_not_make_a_question_about_these_reports(reports):
    assert reports.answer("学校明年有啥打算", 5).tier == NOTHING  # 学校: not in the reports
    assert reports.answer("明年有啥打算", 5).tier != NOTHING


def test_a_reports_opening_ranks_below_the_passage_with_the_figure(service):
    # the shipped samples: three years of one tax bureau, each opening with its own name
    assert "发展党员" in top(service, "税务局发展了几个党员啊")


def test_a_difference_needs_a_passage_that_sets_things_apart(reports):
    # the reports name both, and never say how they differ
    assert reports.answer("优秀共产党员和优秀党务工作者有啥区别", 5).tier == RELATED
    assert reports.answer("中心组学习和专题研讨有什么不同", 5).tier == RELATED


def test_a_rule_needs_a_passage_that_states_one(reports):
    # the reports say a study session is held every quarter; no rule fixes how often
    assert reports.answer("按规定专题研讨多久搞一回", 5).tier == RELATED
    assert reports.answer("专题研讨多久搞一回", 5).tier == CONFIDENT


def test_an_amount_asked_in_a_unit_needs_that_unit(reports):
    # 46户 and 15名 are figures, but not money: the reports never say what the visits cost
    assert reports.answer("春节走访慰问困难群众花了多少钱", 5).tier == RELATED
    assert reports.answer("春节走访慰问了多少户困难群众", 5).tier == CONFIDENT


def test_a_named_set_is_answered_only_where_it_is_spelled_out(service, tmp_path):
    ingested(
        service,
        tmp_path,
        "某街道工委2024年党建工作总结\n一、主要工作\n"
        "（一）健全责任体系。建立了承诺、述职、评议、考核、问责“五位一体”责任体系。\n"
        "（二）强化理论武装。引导党员增强“四个意识”、坚定“四个自信”。\n",
    )
    assert service.answer("五位一体是哪五样", 5).tier == CONFIDENT
    # named beside other slogans, never spelled out
    assert service.answer("四个意识是哪四个", 5).tier == RELATED


def test_a_wording_request_is_not_a_count(reports):
    # "那几个…" describes the wording asked for; the passage need not hold a figure
    response = reports.answer("讲学用结合不紧的那几个说法", 5)
    assert response.tier == CONFIDENT and "学用结合" in response.hits[0].text


MEMBERS = """某区市场监管局2024年党建工作总结
一、主要工作
（一）流动党员管理。对外出务工的流动党员实行一人一档，每季度电话联系一次。
（二）组织生活。各支部按时召开组织生活会，对组织生活中查找出的问题逐项列出问题清单，\
建立问题整改台账，问题整改率100%。
二、存在问题
一是个别支部组织生活质量不高，形式单一，内容不够丰富，党员参与的积极性不强，\
吸引力和感染力有待提升。
三、下步打算
（一）流动党员管理。进一步加强流动党员管理，健全流动党员台账，定期联系。
"""


def test_a_question_about_what_was_done_prefers_work_over_plans(service, tmp_path):
    # the plan repeats the topic more often; only the work section says how it was done
    ingested(service, tmp_path, MEMBERS)
    assert service.answer("流动党员是咋管的", 5).hits[0].kind == "work"
    assert service.answer("流动党员明年咋管", 5).hits[0].kind == "plan"


def test_parallel_wording_is_found_by_its_repeated_character(service, tmp_path):
    ingested(
        service,
        tmp_path,
        "某县财政局2024年党建工作总结\n一、主要工作\n"
        "（一）党建引领业务。推动党建工作与业务工作深度融合，党建工作与业务工作互促共进，"
        "以党建带业务、以业务促党建，党建和业务融合更加紧密。\n"
        "（二）完善考核机制。推动党建与业务融合，目标同定、任务同下、工作同步、考核同行。\n",
    )
    assert "同定" in top(service, "党建和业务融合，有没有四个“同”那种句子")


def test_related_answers_are_logged_as_unanswered(reports):
    reports.search("主题党日一次要搞多长时间", 5)
    reports.search("支部书记签了几份责任书", 5)
    queries = [row.query for row in reports.unanswered()]
    assert queries == ["主题党日一次要搞多长时间"]


def test_search_json_marks_confidence(reports, db_path):
    result = CliRunner().invoke(
        cli,
        ["--db", str(db_path), "search", "主题党日一次要搞多长时间", "--json"],
        catch_exceptions=False,
    )
    hits = json.loads(result.output)
    assert hits and all(hit["confident"] is False for hit in hits)
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "ask", "主题党日一次要搞多长时间"], catch_exceptions=False
    )
    assert result.output.startswith("没有找到直接回答这个问题的内容")


def test_synonyms_command(reports, db_path):
    def run(*args):
        return CliRunner().invoke(
            cli,
            ["--db", str(db_path), "synonyms", *args],
            catch_exceptions=False,
        )

    assert run("add", "一把手", "第一责任人").output.startswith("added")
    assert json.loads(run("list", "--json").output) == [["一把手", "第一责任人"]]
    assert run("add", "a b", "x").exit_code == 1
    assert run("remove", "一把手").output.startswith("removed 1")


def test_a_count_per_period_is_answered_by_a_rhythm(service, tmp_path):
    ingested(
        service,
        tmp_path,
        "某区司法局机关党委2024年党建工作总结\n一、主要工作\n"
        "（一）组织生活。各支部坚持每月开展“主题党日”活动，做到月月有主题。\n"
        "（二）理论学习。党组中心组集中学习12次。\n",
    )
    response = service.answer("主题党日一个月搞几回", 5)
    assert response.tier == CONFIDENT and "每月" in response.hits[0].text
