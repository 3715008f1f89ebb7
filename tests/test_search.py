"""Search behaviour users rely on: duplicates collapsed, filters, tokens (layering: test_layers)."""

from __future__ import annotations

from pathlib import Path

from reportbot.retrieval.tokenizer import harvest_phrases, tokenize

SHARED = "全年开展“红色讲堂”宣讲活动XX场，覆盖党员群众XXX人次，营造了比学赶超的浓厚氛围。"


def write(folder: Path, name: str, title: str, body: str) -> Path:
    path = folder / name
    path.write_text(
        f"{title}\n一、主要工作\n（一）抓宣讲。{body}\n二、存在问题\n宣讲形式单一。\n",
        encoding="utf-8",
    )
    return path


def test_near_duplicate_passages_collapse_into_one_hit(service, tmp_path):
    service.ingest(
        [
            write(tmp_path, "a.txt", "甲局2023年工作总结", SHARED),
            write(tmp_path, "b.txt", "乙局2023年工作总结", SHARED.replace("XX场", "X场")),
            write(tmp_path, "c.txt", "丙局2023年工作总结", "开展读书活动。"),
        ]
    )
    hits = service.search("红色讲堂宣讲活动").hits
    assert len(hits) == 1
    assert {hits[0].doc_title, *hits[0].also_in} == {"甲局2023年工作总结", "乙局2023年工作总结"}


def test_filters_by_document_and_kind(service, tmp_path):
    service.ingest(
        [
            write(tmp_path, "a.txt", "甲局2023年工作总结", SHARED),
            write(tmp_path, "b.txt", "乙局2022年工作总结", SHARED + "另外"),
        ]
    )
    docs = {d.title: d.doc_id for d in service.documents()}
    only_b = service.search("宣讲", doc_id=docs["乙局2022年工作总结"]).hits
    assert only_b and {h.doc_id for h in only_b} == {docs["乙局2022年工作总结"]}
    problems = service.search("宣讲", kind="problem").hits
    assert problems and {h.kind for h in problems} == {"problem"}
    assert {h.doc_title for h in service.search("宣讲", year=2022).hits} == {"乙局2022年工作总结"}


def test_index_tokens_find_words_inside_compounds_and_ignore_placeholders():
    tokens = tokenize("严格落实党建工作责任制，开展XX次")
    assert "责任制" in tokens and "党建" in tokens
    assert not {"XX", "xx", "X"} & set(tokens)
    assert tokenize("责任 制") == tokenize("责任制")
    assert tokenize("ＡＢＣ１２３") == tokenize("abc123")


def test_query_drops_question_words_but_keeps_content_words():
    tokens = tokenize("如何加强问题整改？有没有开展哪些工作")
    assert {"加强", "问题", "整改", "开展", "工作"} <= set(tokens)
    assert not {"如何", "有没有", "哪些"} & set(tokens)


def test_quoted_terms_and_titles_become_phrases():
    assert harvest_phrases("推行“三联四共”工作机制，学习《条例汇编》，X“X”") == {
        "三联四共",
        "条例汇编",
    }


def test_passages_sharing_only_a_heading_are_not_the_same_wording(service):
    from reportbot.retrieval.ranking import Candidate, select_passages
    from reportbot.retrieval.tokenizer import tokenize

    def passage(chunk_id: int, title: str, text: str) -> Candidate:
        path = ("二、存在问题",)
        return Candidate(
            chunk_id, 1.0, chunk_id, title, path, "problem", text, " ".join(tokenize(text))
        )

    analysis = service.analyze("存在啥问题")
    shown = select_passages(
        analysis,
        [
            passage(1, "测试支部总结", "二、存在问题\n学习不深入，制度落实不到位。"),
            passage(2, "某社区总结", "二、存在问题"),
        ],
        5,
    )
    assert not any(hit.also_in for hit in shown)
