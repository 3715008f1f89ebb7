"""Reports across years: organisations, compare, reuse, facts and drafts, through the CLI."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from reportbot.bot.cli import cli
from reportbot.bot.service import ReportService
from reportbot.retrieval.boilerplate import BoilerplateFilter
from reportbot.retrieval.facts import extract_facts, fact_query, score_facts
from reportbot.retrieval.orgs import extract_org
from reportbot.retrieval.pipeline import analyse_file

SAMPLES = Path(__file__).resolve().parents[1] / "storage" / "samples"
GOLD = Path(__file__).parent / "data" / "facts_samples.jsonl"
ORG = "青岚县税务局机关党委"
HIT_KEYS = {"rank", "score", "chunk_id", "doc_id", "doc_title", "section_path", "kind", "text"}


@pytest.fixture
def run(db_path):
    """The CLI on a fresh database: it holds the shipped samples, as on a fresh clone."""
    ReportService.open(db_path).close()

    def invoke(*args, expect=0):
        result = CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result

    return invoke


def as_json(run, *args):
    return json.loads(run(*args, "--json").output)


def doc_ids(run) -> dict[int, int]:
    """The sample organisation's document ids by year."""
    return {d["year"]: d["doc_id"] for d in as_json(run, "docs") if d["org"] == ORG}


def test_org_comes_from_the_title_or_the_opening_clause():
    assert extract_org("青山区委组织部2022年工作总结") == "青山区委组织部"
    assert extract_org("南湖街道党工委书记2021年度抓基层党建工作述职报告") == "南湖街道党工委"
    assert extract_org("2021年上半年党建工作总结", "2021年，在县委领导下，X县X局机关党委坚持…") == (
        "X县X局机关党委"
    )
    assert extract_org("党建工作总结", "今年以来，我们认真学习。") is None
    assert extract_org("2020年度党建工作总结（街道）", "区委牢固树立抓党建的理念。") == "街道"


def test_docs_show_the_organisation_and_set_org_changes_it(run, db_path):
    years = doc_ids(run)
    assert sorted(years) == [2022, 2023, 2024]
    assert ORG in run("docs").output
    assert ORG in CliRunner().invoke(cli, ["docs", "--db", str(db_path)]).output
    run("ingest", *(str(p) for p in sorted(SAMPLES.glob("sample_tax_bureau_*.txt"))))
    years = doc_ids(run)  # the user's own copies now, numbered from 1
    run("docs", "set-org", str(years[2022]), "青岚县税务局")
    listed = {d["doc_id"]: d["org"] for d in as_json(run, "docs")}
    assert listed[years[2022]] == "青岚县税务局"
    run("docs", "set-org", "999", "某单位", expect=1)


def test_compare_shows_one_organisation_newest_year_first_with_repeats(run):
    years = doc_ids(run)
    blocks = as_json(run, "compare", "存在的问题 学习效果不够均衡")
    assert [b["year"] for b in blocks] == [2024, 2023, 2022]
    assert {b["org"] for b in blocks} == {ORG}
    assert all(set(b) == {"year", "org", "doc_id", "doc_title", "passages"} for b in blocks)
    assert all(set(p) >= HIT_KEYS for b in blocks for p in b["passages"])
    repeated = [p for p in blocks[0]["passages"] if "repeated_from" in p]
    assert repeated and repeated[0]["repeated_from"]["doc_id"] == years[2023]
    assert repeated[0]["repeated_from"]["year"] == 2023
    assert not any("repeated_from" in p for p in blocks[-1]["passages"])  # nothing is older


def test_compare_for_a_named_organisation_and_an_unknown_one(run):
    assert [b["year"] for b in as_json(run, "compare", "主题党日", "--org", "青岚县税务局")] == [
        2024,
        2023,
        2022,
    ]
    run("compare", "主题党日", "--org", "没有这个单位", expect=1)


def test_reuse_gives_the_share_of_sentences_and_their_sources(run):
    years = doc_ids(run)
    latest = as_json(run, "reuse", str(years[2024]))
    assert set(latest) == {"share", "passages"}
    assert 0.2 < latest["share"] < 0.5
    assert latest["passages"][0]["source_doc_id"] == years[2023]
    assert "学习效果不够均衡" in latest["passages"][0]["text"]
    assert as_json(run, "reuse", str(years[2022]))["share"] == 0.0
    assert "repeat earlier reports" in run("reuse", str(years[2024])).output
    # a repeat ends with its passage: the next section's heading is not run into it
    headings = re.compile(r"。（[一二三四五六七八九十]+）")
    assert not any(headings.search(p["text"]) for p in latest["passages"])


def test_an_empty_topic_is_a_usage_error(run):
    assert "empty" in run("compare", " ", expect=2).output
    assert "empty" in run("facts", "", expect=2).output


def test_facts_json_and_placeholders(run):
    found = as_json(run, "facts", "捐款金额一共多少")
    assert {(f["number"], f["unit"]) for f in found} == {(1.8, "万元"), (2.6, "万元")}
    assert all(
        set(f) == {"what", "number", "unit", "doc_id", "doc_title", "section_path", "text"}
        for f in found
    )
    counted = as_json(run, "facts", "一共开展了多少次主题党日")
    assert None in {f["number"] for f in counted}  # a sample writes XX次
    assert {72.0, 84.0, 90.0} <= {f["number"] for f in counted}
    assert "no sum: a figure is a placeholder" in run("facts", "一共开展了多少次主题党日").output
    assert "sum: 4.4万元" in run("facts", "捐款金额一共多少").output
    # a placeholder is shown as the writer left it: XXX条, not X条
    assert "XXX条" in run("facts", "上半年发布信息多少条").output


def report(title: str, body: str) -> str:
    return f"{title}\n\n一、主要工作\n\n（一）组织建设。{body}\n\n二、存在的问题\n\n一是学习不够深入。\n"


@pytest.mark.parametrize(
    ("bodies", "total", "no_sum"),
    [
        (["全年发展党员3名。", "全年发展党员2名。"], 5.0, None),
        (["全年发展党员3名。", "全年发展党员X名。"], None, "placeholder"),
        (["机关党员捐款金额5000元。", "机关党员捐款金额1.2万元。"], None, "units"),
    ],
)
def test_a_sum_only_when_units_agree_and_no_figure_is_a_placeholder(
    service, tmp_path, bodies, total, no_sum
):
    for year, body in zip((2021, 2022), bodies, strict=True):
        path = tmp_path / f"{year}.txt"
        path.write_text(report(f"某某局机关党委{year}年党建工作总结", body), encoding="utf-8")
        service.ingest([path])
    question = "捐款金额一共是多少" if "捐款" in bodies[0] else "一共发展了几名党员"
    figures = service.figures(question)
    assert figures is not None and len(figures.facts) == 2
    assert (figures.total, figures.no_sum) == (total, no_sum)
    assert service.figures("党员发展有哪些做法") is None  # not a how-many question


def test_fact_extraction_against_our_annotation():
    gold = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines()]
    files = {row["file"] for row in gold}
    extracted = {
        name: [
            fact
            for chunk in analyse_file(SAMPLES / name, 2**20, BoilerplateFilter()).chunks
            for fact in extract_facts(chunk.text)
        ]
        for name in files
    }
    score = score_facts(gold, extracted)
    assert score.precision >= 0.95 and score.recall >= 0.9


def test_rates_slogans_ordinals_and_years_are_not_counted():
    text = "2023年，第二党支部牢固树立“四个意识”，每季度公布一次，不漏一人。全年开展主题党日12次。"
    assert [(f.what, f.number, f.unit) for f in extract_facts(text)] == [
        ("开展主题党日", 12.0, "次")
    ]


def test_an_aside_in_brackets_is_counted_under_its_own_words():
    text = "全年批准发展党员5名（其中女性党员2名，占40%），按期转正预备党员3名。"
    assert [(f.what, f.number, f.unit) for f in extract_facts(text)] == [
        ("批准发展党员", 5.0, "名"),
        ("按期转正预备党员", 3.0, "名"),
        ("女性党员", 2.0, "名"),  # a sentence's asides come after its own figures
    ]


def test_stored_documents_get_their_facts_and_org_on_first_use(service, db_path, tmp_path):
    path = tmp_path / "old.txt"
    path.write_text(
        report("某某局机关党委2021年党建工作总结", "全年发展党员3名。"), encoding="utf-8"
    )
    service.ingest([path])
    service.close()
    with sqlite3.connect(db_path) as conn:  # as a database made before facts and orgs
        conn.execute("delete from facts")
        conn.execute("update documents set facts_version = null")
        conn.execute("alter table documents drop column org")
        conn.execute("delete from _sqlite_migrations where name = '0040_document_org'")
    reopened = ReportService.open(db_path)
    try:
        assert [d.org for d in reopened.documents()] == ["某某局机关党委"]
        assert [f.number for f in reopened.facts("发展了几名党员")] == [3.0]
    finally:
        reopened.close()


def test_draft_docx_groups_by_kind_without_numbering_and_marks_placeholders(run, tmp_path):
    years = doc_ids(run)
    hits = {
        query: as_json(run, "search", query, "--doc", str(years[2023]), "-k", "1")[0]
        for query in ("税月讲堂 听课党员", "存在的问题 学习效果")
    }
    assert "XXX" in hits["税月讲堂 听课党员"]["text"]
    picks = [hits["存在的问题 学习效果"]["chunk_id"], hits["税月讲堂 听课党员"]["chunk_id"]]
    target = tmp_path / "草稿.docx"
    assert "wrote" in run("draft", "支部建设", "--pick", *map(str, picks), "-o", str(target)).output
    document = Document(str(target))
    texts = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["主要工作", "存在问题"]  # work before problems, whatever the pick order
    body = [t for t in texts if t and t not in headings and not t.startswith("— 出处")]
    assert body and not any(t.startswith(("一是", "（一）", "1.", "二、")) for t in body)
    sources = [t for t in texts if t.startswith("— 出处：")]
    assert len(sources) == 2 and all(f"{ORG}2023年党建工作总结" in s for s in sources)
    highlighted = [
        r.text for p in document.paragraphs for r in p.runs if r.font.highlight_color is not None
    ]
    assert highlighted and set(highlighted) <= {"X", "XX", "XXX", "XXXX"}
    run("draft", "支部建设", "-o", str(target), expect=2)


def test_compare_of_one_year_is_no_comparison(run, tmp_path):
    for half in ("上半年", "下半年"):
        (tmp_path / f"{half}.txt").write_text(
            f"某镇党委2024年{half}党建工作总结\n一、主要工作\n"
            f"（一）党风廉政建设。{half}开展廉政谈话，签订党风廉政建设责任书。\n",
            encoding="utf-8",
        )
    run("ingest", str(tmp_path))
    assert as_json(run, "compare", "党风廉政建设") == []
    assert "no organisation" in run("compare", "党风廉政建设").output


def test_compare_says_how_much_of_a_changed_passage_was_written_before(run):
    text = run("compare", "党风廉政建设", "--org", ORG).output
    assert text.index("== 2024") < text.index("== 2023") < text.index("== 2022")
    latest = text[text.index("== 2024") : text.index("== 2023")]
    assert "[partly earlier: 3/4 sentences]" in latest


def test_ask_adds_the_figures_line_and_plans_targets_are_not_counts(run):
    answer = run("ask", "捐款金额一共是多少").output
    assert "📊" in answer and "合计 4.4万元" in answer
    done = as_json(run, "facts", "警示教育开了几次")
    assert done and not any("不少于" in f["text"] for f in done)
    planned = as_json(run, "facts", "明年计划组织几次警示教育")
    assert planned and all("不少于" in f["text"] or "至少" in f["text"] for f in planned)


def test_ge_the_everyday_measure_word_asks_for_any_unit():
    assert fact_query("发展了几个党员").unit is None
    assert fact_query("发展了几名党员").unit == fact_query("发展了多少名党员").unit is not None


def test_no_sum_across_organisations(service, tmp_path):
    for org, count in (("某某局机关党委", 3), ("某某医院党委", 8)):
        path = tmp_path / f"{org}.txt"
        path.write_text(report(f"{org}2022年党建工作总结", f"全年发展党员{count}名。"), "utf-8")
        service.ingest([path])
    figures = service.figures("一共发展了几名党员")
    assert figures is not None and len(figures.facts) == 2
    assert (figures.total, figures.no_sum) == (None, "orgs")


def test_compare_finds_an_organisation_whose_years_repeat_word_for_word(run, tmp_path):
    same = "（一）一岗双责。班子成员落实“一岗双责”，与分管科室负责人签订责任书，定期听取汇报。"
    for year in (2020, 2021):
        (tmp_path / f"{year}.txt").write_text(
            f"某县文旅局机关党委{year}年党建工作总结\n一、主要工作\n{same}\n"
            f"（二）理论学习。{year}年中心组学习{year - 2010}次。\n",
            encoding="utf-8",
        )
    (tmp_path / "other.txt").write_text(
        "某镇党委2021年党建工作总结\n一、主要工作\n（一）一岗双责。落实“一岗双责”，层层签订责任书。\n",
        encoding="utf-8",
    )
    run("ingest", str(tmp_path))
    assert [b["year"] for b in as_json(run, "compare", "一岗双责")] == [2021, 2020]
