"""Report structure beyond 一、: 第X部分 above the parts, problem tails, 附件, two years."""

from __future__ import annotations

from reportbot.retrieval.formats import SourceText
from reportbot.retrieval.parser import heading_level, parse_report


def parse(text: str):
    return parse_report(SourceText(tuple(text.splitlines()), "txt", {}), "t.txt")


REPORT = """某某局2022年工作总结和2023年工作思路
2022年，我局认真履职。
第一部分 2022年工作总结
一、抓好队伍建设
（一）加强教育培训。举办培训班X期。
（二）严格日常管理。开展谈心谈话XX人次。
但也存在以下不足：
一是培训针对性不强。
二是管理制度落实不够。
二、推进重点项目
完成项目XX个。
但是，工作中还存在项目进度不均衡的问题，个别项目滞后。
第二部分 2023年工作思路
一、持续加强队伍建设
全年培训干部XX人次。
附件1：重点项目清单
1.某某道路改造
"""


def test_chapters_stand_above_parts_and_give_kinds_and_years():
    report = parse(REPORT)
    assert heading_level("第一部分 2022年工作总结") == 0 and heading_level("一、抓好队伍建设") == 1
    assert report.parts == 2 and report.year == 2022
    sections = {s.path: s for s in report.sections}
    work = sections[("第一部分 2022年工作总结", "一、抓好队伍建设", "（一）加强教育培训")]
    assert (work.kind, work.year) == ("work", 2022)
    plan = sections[("第二部分 2023年工作思路", "一、持续加强队伍建设")]
    assert (plan.kind, plan.year) == ("plan", 2023)


def test_closing_shortcomings_paragraph_and_its_points_are_problems():
    report = parse(REPORT)
    kinds = [(s.path, s.kind, s.text.splitlines()[0]) for s in report.sections]
    chapter = "第一部分 2022年工作总结"
    assert (("第一部分 2022年工作总结",), "problem", "但也存在以下不足：") in kinds
    assert ((chapter, "一是培训针对性不强"), "problem", "一是培训针对性不强。") in kinds
    assert ((chapter, "二是管理制度落实不够"), "problem", "二是管理制度落实不够。") in kinds
    assert (
        (chapter,),
        "problem",
        "但是，工作中还存在项目进度不均衡的问题，个别项目滞后。",
    ) in kinds
    progress = next(s for s in report.sections if s.path[-1:] == ("二、推进重点项目",))
    assert progress.kind == "work" and "滞后" not in progress.text


def test_a_shortcoming_mid_section_is_left_where_it_is():
    report = parse(
        "某局2023年工作总结\n一、主要工作\n（一）抓宣传。同时也存在群众参与不高的问题。\n"
        "针对这一问题，我们开展了入户宣传XX次。\n"
    )
    [section] = [s for s in report.sections if s.path]
    assert section.kind == "work" and "入户宣传" in section.text


def test_attachments_are_kept_apart():
    report = parse(REPORT)
    annex = [s for s in report.sections if s.path and s.path[0].startswith("附件")]
    assert annex and all(s.kind == "other" for s in annex)
    assert annex[0].path[0] == "附件1：重点项目清单"
