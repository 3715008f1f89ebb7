"""Copy-ready wording: what /wording and /提法 hand a writer to paste."""

from __future__ import annotations

from reportbot.retrieval.wording import copy_ready


def test_numbering_goes_and_the_heading_stands_apart():
    text = "（二）严格 落实责任 制。局党组与X个支部签订责任书，做到责任到人。"
    assert copy_ready(text, ("一、主要工作", "（二）严格落实责任制")) == (
        "严格落实责任制\n局党组与X个支部签订责任书，做到责任到人。"
    )


def test_points_become_lines_and_placeholders_stay():
    assert copy_ready("一是全年开展XX次专题学习。二是XXX同志带头讲党课。") == (
        "全年开展XX次专题学习。\nXXX同志带头讲党课。"
    )


def test_items_and_plain_sentences():
    assert copy_ready("1. 强化学习：坚持每月集中学习。") == "强化学习\n坚持每月集中学习。"
    assert copy_ready("坚持每月集中学习。认真做好记录。") == "坚持每月集中学习。认真做好记录。"


def test_wording_leaves_out_problem_sentences_unless_asked(service, tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(
        "某局2024年工作总结\n一、主要工作\n（一）理论学习。坚持理论学习制度，全年集中学习12次。\n"
        "二、存在问题\n一是理论学习不够深入，理论学习流于形式。\n",
        encoding="utf-8",
    )
    service.ingest([report])
    kinds = {h.kind for h in service.answer("理论学习", 5, wording=True).hits}
    assert kinds == {"work"}
    assert "problem" in {h.kind for h in service.answer("理论学习的不足", 5, wording=True).hits}


def test_a_heading_line_is_not_run_into_the_sentence_after_it():
    from reportbot.bot.render import key_sentences

    text = "（五）以转变作风为重点，加强队伍建设\n一是突出作风建设。二是严明纪律。"
    picked = key_sentences(text, ["作风"])
    assert picked.splitlines() == ["（五）以转变作风为重点，加强队伍建设", "一是突出作风建设。"]
    assert copy_ready(picked).splitlines() == ["以转变作风为重点，加强队伍建设", "突出作风建设。"]
