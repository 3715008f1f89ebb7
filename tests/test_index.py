"""The index beside the database: loaded on restart, rebuilt when stale, updated live."""

from __future__ import annotations

import threading
import zipfile

import numpy as np
import pytest
from sqlite_utils import Database

from reportbot.bot.service import ReportService
from reportbot.retrieval import bm25
from reportbot.retrieval.search import Searcher
from reportbot.retrieval.tokenizer import bigrams
from reportbot.storage.index import MAX_INCREMENTAL_CHANGES, ReportIndex

REPORT = "{org}2023年工作总结\n一、主要工作\n（一）抓学习。{body}\n二、存在的问题\n学习不够深入。\n"


def write(tmp_path, name, org, body):
    path = tmp_path / name
    path.write_text(REPORT.format(org=org, body=body), encoding="utf-8")
    return path


@pytest.fixture
def no_rebuild(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the index was rebuilt from the database")

    return lambda: monkeypatch.setattr(ReportIndex, "_build", refuse)


def test_restart_loads_the_saved_index(db_path, seeds, no_rebuild):
    first = ReportService.open(db_path)
    first.ingest([seeds])
    expected = [h.chunk_id for h in first.search("党员春训").hits]
    first.close()
    assert db_path.with_name(db_path.name + ".bm25.npz").exists()
    no_rebuild()
    second = ReportService.open(db_path)
    assert [h.chunk_id for h in second.search("党员春训").hits] == expected
    second.close()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete"])
def test_damaged_index_file_is_rebuilt_not_trusted(db_path, seeds, damage):
    first = ReportService.open(db_path)
    first.ingest([seeds])
    expected = [h.chunk_id for h in first.search("一述一评").hits]
    first.close()
    sidecar = db_path.with_name(db_path.name + ".bm25.npz")
    if damage == "truncate":
        sidecar.write_bytes(sidecar.read_bytes()[:200])
    elif damage == "garbage":
        sidecar.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    else:
        sidecar.unlink()
    second = ReportService.open(db_path)
    assert [h.chunk_id for h in second.search("一述一评").hits] == expected
    second.close()


def test_a_damaged_mapped_array_is_found_after_start_and_rebuilt(db_path, seeds, monkeypatch):
    """Checksums of memory-mapped arrays are read after start-up, and a mismatch rebuilds."""
    monkeypatch.setattr(bm25, "MAP_MIN", 1024)  # map the seeds' arrays as 1M passages' are
    first = ReportService.open(db_path)
    first.ingest([seeds])
    expected = [(h.chunk_id, h.score) for h in first.search("党员春训").hits]
    first.close()
    sidecar = db_path.with_name(db_path.name + ".bigrams.npz")
    with zipfile.ZipFile(sidecar) as z:
        info = z.getinfo("tf.npy")
    data = bytearray(sidecar.read_bytes())
    start = info.header_offset + 30 + int.from_bytes(data[info.header_offset + 26 :][:2], "little")
    start += int.from_bytes(data[info.header_offset + 28 :][:2], "little")
    data[start + info.file_size - 1] ^= 0x07  # one term frequency, as a bad sector would
    sidecar.write_bytes(bytes(data))
    second = ReportService.open(db_path)
    second.searcher()
    for thread in threading.enumerate():
        if thread.name == "index-verify":
            thread.join()
    second.index.wait()
    assert [(h.chunk_id, h.score) for h in second.search("党员春训").hits] == expected
    second.close()
    bm25.BM25Index.load(sidecar)  # rewritten whole: its checksums hold


def test_index_written_for_another_state_is_stale(db_path, tmp_path, seeds):
    service = ReportService.open(db_path)
    service.ingest([seeds])
    service.close()
    other = ReportService.open(db_path)
    other.store.delete_document(
        other.store.documents()[0].doc_id
    )  # no index save: sidecar now stale
    other.store.close()
    third = ReportService.open(db_path)
    assert len({h.doc_id for h in third.search("党建工作", 10).hits}) <= 4
    assert {h.doc_title for h in third.search("以文辅政").hits} == set()
    third.close()


def test_changes_from_another_process_arrive_incrementally(db_path, tmp_path, no_rebuild):
    server = ReportService.open(db_path)
    server.ingest([write(tmp_path, "a.txt", "甲局", "开展读书活动X次。")])
    assert server.search("读书活动").hits
    no_rebuild()
    cli = ReportService.open(db_path)
    [added] = cli.ingest([write(tmp_path, "b.txt", "乙局", "组织红色观影活动XX场。")])
    assert [h.doc_id for h in server.search("红色观影").hits] == [added.doc_id]
    cli.delete(added.doc_id)
    assert server.search("红色观影").hits == ()
    cli.close()
    server.close()


def test_incremental_updates_rank_like_a_rebuild(db_path, tmp_path, seeds):
    live = ReportService.open(db_path)
    live.ingest([seeds / "000_40057f9b2783dadc.txt", seeds / "001_9b8d0438ced14182.txt"])
    live.search("党建")
    live.ingest([seeds / "002_3d94340f791ca2d0.txt", seeds / "003_c74f7c1147f421d0.txt"])
    live.delete(live.documents()[0].doc_id)
    rebuilt = ReportIndex(live.store, persist=False).searcher()
    ours = live.index.searcher()
    for question in ("党组中心组学习", "党员积分制管理", "疫情期间怎么宣传动员群众", "支部书记"):
        analysis = ours.analyze(question)
        expected = rebuilt.candidates(analysis, 10)
        found = ours.candidates(analysis, 10)
        assert expected and [c for c, _ in found] == [c for c, _ in expected], question
        assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-5)
    live.close()


def test_long_backlog_is_rebuilt_in_the_background(db_path, tmp_path, monkeypatch):
    monkeypatch.setattr("reportbot.storage.index.MAX_INCREMENTAL_CHANGES", 2)
    server = ReportService.open(db_path)
    server.search("读书")
    cli = ReportService.open(db_path)
    cli.ingest([write(tmp_path, f"{n}.txt", f"{n}号局", f"第{n}次读书会。") for n in range(4)])
    server.search("读书会")  # starts the rebuild, answers from the old index meanwhile
    server.index.wait()
    assert len(server.search("读书会", 10).hits) == 4
    assert MAX_INCREMENTAL_CHANGES > 2
    cli.close()
    server.close()


def test_reference_engine_ranks_like_the_fast_one(db_path, tmp_path, seeds):
    fast = ReportService.open(db_path)
    fast.ingest([seeds])
    reference = ReportIndex(fast.store, engine="rank-bm25").searcher()
    ours = fast.index.searcher()
    for question in ("党组中心组学习", "党员积分制管理", "疫情期间怎么宣传动员群众", "支部书记"):
        analysis = ours.analyze(question)
        expected = reference.candidates(reference.analyze(question), 10)
        found = ours.candidates(analysis, 10)
        assert [c for c, _ in found] == [c for c, _ in expected], question
        assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-5)
    first = fast.documents()[0].doc_id
    fast.delete(first)
    reference.remove_documents([first])
    analysis = reference.analyze("党建")
    assert first not in {
        fast.store.chunks([c])[c].doc_id for c, _ in reference.candidates(analysis, 10)
    }
    fast.close()


def test_engine_is_chosen_in_the_config(tmp_path):
    from reportbot.bot.config import ConfigError, parse_settings

    assert parse_settings({"search": {"engine": "rank-bm25"}}).search.engine == "rank-bm25"
    with pytest.raises(ConfigError, match=r"search\.engine"):
        parse_settings({"search": {"engine": "lucene"}})


def test_a_rebuild_from_stored_ids_equals_one_from_the_tokens(db_path, tmp_path, seeds):
    service = ReportService.open(db_path)
    service.ingest([seeds / "000_40057f9b2783dadc.txt", seeds / "001_9b8d0438ced14182.txt"])
    service.delete(service.documents()[0].doc_id)  # its terms keep their ids, unused now
    service.ingest([seeds / "002_3d94340f791ca2d0.txt", write(tmp_path, "a.txt", "甲局", "读书")])
    from_ids = ReportIndex(service.store, persist=False).searcher()
    from_tokens = Searcher.build(service.store.iter_index_rows(), service.store.phrases())
    for ours, theirs in (
        (from_ids.index, from_tokens.index),
        (from_ids.bigram_index, from_tokens.bigram_index),
    ):
        assert set(ours.vocabulary) == set(theirs.vocabulary)  # no term of the deleted report
        for term in theirs.vocabulary:
            assert ours.doc_freq(term) == theirs.doc_freq(term)
    for question in ("党组中心组学习", "党员积分制管理", "疫情期间怎么宣传动员群众", "读书"):
        analysis = from_tokens.analyze(question)
        expected = from_tokens.candidates(analysis, 10)
        assert expected and from_ids.candidates(analysis, 10) == expected, question
    service.close()


def stored_tokens(store) -> list[tuple[list[str], list[str]]]:
    """Each passage's word and bigram tokens spelled back from the stored term ids."""
    _, fields = store.index_fields()
    spelled = []
    for field in fields:
        ends = np.cumsum(field.lens)
        spelled.append(
            [
                [field.terms[t] for t in field.ids[e - n : e]]
                for e, n in zip(ends, field.lens, strict=True)
            ]
        )
    return list(zip(*spelled, strict=True))


def expected_tokens(store) -> list[tuple[list[str], list[str]]]:
    return [(list(r[4]), bigrams(r[5])) for r in store.iter_index_rows()]


def test_term_ids_spell_the_tokens_and_stay_the_same_across_ingests(db_path, tmp_path, seeds):
    service = ReportService.open(db_path)
    service.ingest([seeds / "000_40057f9b2783dadc.txt"])
    before = [field.terms for field in service.store.index_fields()[1]]
    service.ingest([seeds / "001_9b8d0438ced14182.txt"])
    other = ReportService.open(db_path)  # another process's writer, with its own cache
    other.ingest([write(tmp_path, "a.txt", "甲局", "组织红色观影活动XX场。")])
    service.ingest([write(tmp_path, "b.txt", "乙局", "组织红色观影活动，开展读书会。")])
    after = [field.terms for field in service.store.index_fields()[1]]
    for old, new in zip(before, after, strict=True):
        assert new[: len(old)] == old and len(new) > len(old) and len(set(new)) == len(new)
    assert stored_tokens(service.store) == expected_tokens(service.store)
    other.close()
    service.close()


def test_an_older_database_gets_its_token_strings_converted(db_path, seeds):
    service = ReportService.open(db_path)
    service.ingest([seeds / "000_40057f9b2783dadc.txt", seeds / "001_9b8d0438ced14182.txt"])
    expected = expected_tokens(service.store)
    service.close()
    db = Database(db_path)  # as a version before 0060 left it: no ids, no term table
    db.execute("delete from _sqlite_migrations where name = '0060_term_ids'")
    db["doc_terms"].drop()
    db["index_terms"].drop()
    db.close()
    reopened = ReportService.open(db_path)
    assert stored_tokens(reopened.store) == expected
    assert reopened.search("党员春训").hits
    reopened.close()
