"""Parsing real reports: titles, heading paths, kinds, boilerplate never kept."""

from __future__ import annotations

import pytest

from reportbot.retrieval.boilerplate import BoilerplateFilter
from reportbot.retrieval.formats import SourceText, read_source
from reportbot.retrieval.parser import heading_level, parse_report, section_kind
from reportbot.retrieval.text import squeeze

SEED_TITLES = {
    "000_40057f9b2783dadc.txt": "市委办公室党总支2020年党建工作总结",
    "001_9b8d0438ced14182.txt": "2020年度党建工作总结（街道）",
    "002_3d94340f791ca2d0.txt": "2020年市局机关上半年党建工作总结",
    "003_c74f7c1147f421d0.txt": "区委直属机关工委2020年工作总结和2021年工作安排",
    "004_5f4cc819c3a689dc.txt": "局党组书记党建工作述职报告",
}
PROMO_MARKERS = ("QQ", "会员", "禁止外传", "订阅", "倒卖", "酷乐文行", "自建平台", "不断迭代")


def parse_text(text: str, name: str = "t.txt", **kwargs):
    return parse_report(SourceText(tuple(text.splitlines()), "txt", {}), name, **kwargs)


@pytest.mark.parametrize("name,title", sorted(SEED_TITLES.items()))
def test_seed_titles(seeds, name, title):
    report = parse_report(read_source(seeds / name), name)
    assert report.title == title


@pytest.mark.parametrize("name", sorted(SEED_TITLES))
def test_seed_sections_never_hold_promotional_lines(seeds, name):
    report = parse_report(read_source(seeds / name), name)
    for section in report.sections:
        for marker in PROMO_MARKERS:
            assert marker not in section.text, (marker, section.path)
        assert all(marker not in heading for heading in section.path for marker in PROMO_MARKERS)


def test_seed_heading_paths_and_kinds(seeds):
    report = parse_report(read_source(seeds / "004_5f4cc819c3a689dc.txt"), "004")
    paths = {section.path: section.kind for section in report.sections}
    assert paths[("二、聚焦主责主业，不断夯实基层组织基础", "（一）压实党建主体责任")] == "work"
    assert paths[("四、存在的问题", "一是党建责任需进一步压实")] == "problem"
    assert paths[("五、下一步工作目标", "二是不断推进党建工作规范化")] == "plan"
    assert report.parts == 5


def test_part_about_problem_orientation_is_not_a_problem_section():
    assert section_kind(("三、坚持问题导向，着力落实落细党建重点工作",)) == "work"
    assert section_kind(("二、存在问题及原因",)) == "problem"
    assert section_kind(("三、2021年工作目标及打算",)) == "plan"
    assert section_kind(()) == "other"


def test_inline_heading_and_own_line_heading():
    report = parse_text(
        "某局2023年工作总结\n一、主要工作\n（一）抓学习。全年学习X次。\n"
        "（二）抓队伍\n培训干部XX人。\n二、存在的不足\n学习不够深入。\n"
    )
    assert [s.path for s in report.sections] == [
        ("一、主要工作", "（一）抓学习"),
        ("一、主要工作", "（二）抓队伍"),
        ("二、存在的不足",),
    ]
    assert report.sections[0].text == "（一）抓学习。全年学习X次。"
    assert [s.kind for s in report.sections] == ["work", "work", "problem"]


def test_an_item_without_a_heading_is_cited_by_its_first_clause():
    report = parse_text(
        "某院2023年工作总结\n一、主要工作\n（一）聚焦中心工作，提升服务效能。全年开展义诊5次。\n"
        "（1）开展系列宣讲，组织医护人员宣讲15场，覆盖职工XX人次。\n"
    )
    assert [s.path[-1] for s in report.sections] == [
        "（一）聚焦中心工作，提升服务效能",
        "（1）开展系列宣讲",
    ]
    assert "覆盖职工XX人次" in report.sections[1].text


def test_point_lines_are_items_but_inline_points_are_body():
    assert heading_level("一是牢固树立责任人意识。切实把责任放在心上。") == 5
    assert heading_level("一是加强学习。学习X次。二是加强管理。") is None
    assert heading_level("1.建立健全工作机制。") == 3
    assert heading_level("2020.5 召开会议") is None


def test_placeholders_and_original_spacing_kept_in_text():
    report = parse_text(
        "某支部工作总结\n一、工作\n制定了《关于落实责任 制的方案》，签订责任书XX份。\n"
    )
    assert "责任 制" in report.sections[0].text
    assert "XX份" in report.sections[0].text


def test_unstructured_text_becomes_one_section_and_is_flagged():
    report = parse_text("今年我们做了很多工作。\n明年继续努力。\n")
    assert not report.structured
    assert len(report.sections) == 1


def test_repeated_lines_and_extra_patterns_are_boilerplate():
    text = "广告行一\n某单位2023年党建工作总结\n一、工作\n正文内容。\n本文由某某网提供\n"
    plain = parse_text(text)
    assert "本文由某某网提供" in plain.sections[-1].text
    from reportbot.retrieval.text import line_key

    cleaned = parse_text(
        text, boilerplate=BoilerplateFilter(["某某网"], repeated_lines=[line_key("广告行一")])
    )
    assert cleaned.title == "某单位2023年党建工作总结"
    assert all("某某网" not in s.text for s in cleaned.sections)
    assert "广告行一" in cleaned.removed_lines


def test_long_body_line_with_contact_words_is_not_boilerplate():
    line = "利用微信公众号发布信息X条，" + "营造良好氛围，" * 12
    report = parse_text(f"某街道工作总结\n一、工作\n{line}\n")
    assert squeeze(line) in squeeze(report.sections[0].text)


def test_sign_off_lines_are_not_part_of_the_last_section():
    report = parse_text(
        "某街道党工委书记2023年述职报告\n一、工作\n做了很多工作。\n"
        "二、下步打算\n继续努力。\n述职人：XXX\n二〇二四年一月\n"
    )
    assert report.sections[-2].text == "二、下步打算\n继续努力。"
    assert report.sections[-1].path == ("落款",) and "述职人：XXX" in report.sections[-1].text
