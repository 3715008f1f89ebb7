"""Precision and recall of fact extraction against a person's annotation.

    python benchmarks/facts_eval.py tests/data/facts_samples.jsonl
    python benchmarks/facts_eval.py /work/eval_private/facts_seeds.jsonl --reports ../shared/seeds

Each gold line is {"file", "what", "number" (null for X/XX), "unit", "sentence_needle"}.
Figures are extracted from the file's passages exactly as at ingest; an extracted figure
matches a gold one with the same number and unit whose sentence holds the needle.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from reportbot.retrieval.boilerplate import BoilerplateFilter
from reportbot.retrieval.facts import extract_facts, score_facts
from reportbot.retrieval.pipeline import analyse_file

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDERS = (ROOT / "storage" / "samples", ROOT.parent / "shared" / "seeds")


def file_facts(path: Path) -> list:
    """Figures of a report file's passages, as ingest extracts them."""
    analysed = analyse_file(path, 50 * 2**20, BoilerplateFilter())
    return [fact for chunk in analysed.chunks for fact in extract_facts(chunk.text)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", type=Path)
    parser.add_argument("--reports", type=Path, action="append", help="folder of the files")
    parser.add_argument("--firm", action="store_true", help="leave out rows marked doubtful")
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses")
    args = parser.parse_args()
    gold = [json.loads(line) for line in args.gold.read_text("utf-8").splitlines() if line.strip()]
    gold = [row for row in gold if not (args.firm and row.get("doubtful"))]
    folders = args.reports or DEFAULT_FOLDERS
    extracted = {}
    for name in sorted({row["file"] for row in gold}):
        path = next((f / name for f in folders if (f / name).is_file()), None)
        if path is None:
            raise SystemExit(f"{name}: not found in {', '.join(map(str, folders))}")
        extracted[name] = file_facts(path)
    score = score_facts(gold, extracted)
    print(
        f"{args.gold.name}: {len(extracted)} files, {score.annotated} annotated, "
        f"{score.extracted} extracted, {score.matched} matched: "
        f"precision {score.precision:.3f}, recall {score.recall:.3f}"
    )
    if args.verbose:
        for row in gold:
            single = score_facts([row], {row["file"]: extracted[row["file"]]})
            if not single.matched:
                print("missed:", json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
