"""The corpus accuracy ratchet: bounds that only ever tighten.

`tests/corpus_ratchet.json` holds the best figures reached so far on the whole shared corpus
(../shared/corpus/pages + labels). `test_corpus_extraction.py` fails when extraction falls
below them, and also when it beats them, so an improvement lands together with its tighter
bounds. `python -m tests.corpus_ratchet` prints today's figures; `--tighten` rewrites the bounds
file, moving each bound only in the tightening direction (it never loosens one).

The bounds carry the corpus they were measured on (document count and a digest of the label
files). When the corpus itself changes, the old bounds no longer describe it: the test says so,
and `--rebase` records today's figures as the new bounds. `--rebase` refuses to run on an
unchanged corpus, so it can never be used to loosen a bound.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from pipeline.extract import extract_document, infer_format

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"
BOUNDS_FILE = Path(__file__).with_name("corpus_ratchet.json")

# figure -> True when higher is better
# Dates are ratcheted as counts: a ratio would punish finding a model whose page gives no
# usable date (it adds an undated match) more than missing the model altogether.
DIRECTION = {
    "f1": True,
    "correct_dates": True,
    "wrong_dates": False,
    "invented_dates": False,
    "false_alarms": False,
}


def scorer() -> ModuleType:
    """The shared scorer, imported so the test and the tool never diverge."""
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {SCORER}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def totals() -> dict[str, int]:
    """Summed scorer counts over every labelled page of the corpus, extracted in-process."""
    score = scorer()
    keys = ("tp", "fp", "fn", "dated", "dated_ok", "wrong", "invented", "false_alarms")
    total = dict.fromkeys(keys, 0)
    for label_file in sorted((CORPUS / "labels").glob("*.json")):
        label = json.loads(label_file.read_text())
        page = CORPUS / "pages" / label["document"]
        out = extract_document(
            page.read_bytes(),
            fmt=infer_format(str(page)),
            provider=label.get("provider") or "unknown",
            url=label.get("source_url"),
        )
        preds = score.records_of([r.to_json() for r in out.records])
        result = score.score(preds, label)
        for key in keys:
            total[key] += result[key]
    return total


def figures(t: dict[str, int]) -> dict[str, float | int]:
    """The scorer's summary figures, rounded as it prints them."""
    precision = t["tp"] / max(1, t["tp"] + t["fp"])
    recall = t["tp"] / max(1, t["tp"] + t["fn"])
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {
        "f1": round(f1, 3),
        "date_accuracy": round(t["dated_ok"] / max(1, t["dated"]), 3),  # reported, not bound
        "correct_dates": t["dated_ok"],
        "wrong_dates": t["wrong"],
        "invented_dates": t["invented"],
        "false_alarms": t["false_alarms"],
    }


def corpus_identity() -> dict[str, int | str]:
    """Which corpus the figures describe: its labelled document count and a label digest."""
    digest = hashlib.sha256()
    labels = sorted((CORPUS / "labels").glob("*.json"))
    for label_file in labels:
        digest.update(label_file.name.encode() + b"\0" + label_file.read_bytes() + b"\0")
    return {"documents": len(labels), "labels_sha256": digest.hexdigest()[:16]}


def load_bounds() -> dict[str, float | int]:
    return json.loads(BOUNDS_FILE.read_text())


def corpus_changed(bounds: dict) -> str | None:
    """A sentence when the bounds were measured on another corpus, else None."""
    now = corpus_identity()
    if bounds.get("corpus") == now:
        return None
    was = (bounds.get("corpus") or {}).get("documents", "?")
    return (
        f"the corpus changed ({now['documents']} labelled documents, bounds measured on {was}):"
        " run `python -m tests.corpus_ratchet --rebase` and commit tests/corpus_ratchet.json"
    )


def compare(now: dict, bounds: dict) -> tuple[list[str], list[str]]:
    """(regressions, improvements) of today's figures against the bounds."""
    worse, better = [], []
    for key, higher in DIRECTION.items():
        got, bound = now[key], bounds[key]
        if (got < bound) if higher else (got > bound):
            worse.append(f"{key} {got} (bound {bound})")
        elif got != bound:
            better.append(f"{key} {got} (bound {bound})")
    return worse, better


def tighten(now: dict, bounds: dict) -> dict:
    """Each bound moved to today's figure only where that is tighter."""
    pick = {True: max, False: min}
    tight = {key: pick[higher](now[key], bounds[key]) for key, higher in DIRECTION.items()}
    return {**tight, "corpus": bounds["corpus"]}


def rebase(now: dict) -> dict:
    """Today's figures as the bounds of a corpus that has changed."""
    return {**{key: now[key] for key in DIRECTION}, "corpus": corpus_identity()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--tighten", action="store_true", help="rewrite the bounds file")
    mode.add_argument(
        "--rebase", action="store_true", help="record today's figures after the corpus changed"
    )
    args = parser.parse_args(argv)
    if not (CORPUS / "labels").is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    now, bounds = figures(totals()), load_bounds()
    changed = corpus_changed(bounds)
    if args.rebase:
        if not changed:
            print("the corpus is unchanged: --rebase would only loosen bounds", file=sys.stderr)
            return 2
        BOUNDS_FILE.write_text(json.dumps(rebase(now), indent=2, sort_keys=True) + "\n")
        print(json.dumps(now, sort_keys=True))
        print(
            f"rebased {BOUNDS_FILE.relative_to(ROOT)} on {corpus_identity()['documents']} documents"
        )
        return 0
    if changed:
        print(json.dumps(now, sort_keys=True))
        print(changed, file=sys.stderr)
        return 1
    worse, better = compare(now, bounds)
    print(json.dumps(now, sort_keys=True))
    for line in worse:
        print(f"regression: {line}")
    for line in better:
        print(f"improvement: {line}")
    if args.tighten:
        BOUNDS_FILE.write_text(json.dumps(tighten(now, bounds), indent=2, sort_keys=True) + "\n")
        print(f"wrote {BOUNDS_FILE.relative_to(ROOT)}")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
