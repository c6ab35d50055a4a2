"""`make eval-nlu`: 5-fold cross-validation of the NLU model, with the numbers that matter.

Runs `rasa test nlu --cross-validation` on data/nlu (output in results/nlu-cv/),
then prints precision, recall and F1 for every intent, the macro F1 over the
five main intents, and the confusion between compliment, comment and complaint.
Exits non-zero when a target is missed (macro F1 >= 0.90 on the five main
intents; fewer than 10% of the three kinds' examples classified as another kind),
unless --report-only is given.

Usage: python -m scripts.eval_nlu [--folds 5] [--out results/nlu-cv] [--config config.yml]
                                  [--skip-run] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MAIN_INTENTS = ("give_compliment", "give_comment", "make_complaint", "request_advocate", "check_status")
KINDS = ("give_compliment", "give_comment", "make_complaint")
MACRO_F1_TARGET = 0.90
ALL_MACRO_F1_TARGET = 0.85
KIND_CONFUSION_TARGET = 0.10
QUIET = {
    "RASA_TELEMETRY_ENABLED": "false",  # privacy: nothing leaves the machine
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


def intent_only_config(config: str, out: Path) -> Path:
    """The pipeline without the safeguarding detector: it does not name intents, and training
    its encoder once per fold would take most of an hour."""
    data = yaml.safe_load((ROOT / config).read_text(encoding="utf-8"))
    data["pipeline"] = [c for c in data["pipeline"] if "safeguarding" not in c["name"]]
    out.mkdir(parents=True, exist_ok=True)
    path = out / "intent-config.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def run_cross_validation(folds: int, out: Path, config: str = "config.yml") -> None:
    config_path = intent_only_config(config, out)
    cmd = [
        sys.executable, "-m", "rasa", "test", "nlu",
        "--nlu", "data/nlu", "--config", str(config_path),
        "--cross-validation", "--folds", str(folds),
        "--out", str(out), "--successes", "--no-plot", "--quiet",
    ]  # fmt: skip
    print(f"==> {folds}-fold cross-validation (trains {folds} models; a few minutes)", flush=True)
    subprocess.run(cmd, cwd=ROOT, env={**os.environ, **QUIET}, check=True)


def load_predictions(out: Path) -> list[tuple[str, str]]:
    """(true intent, predicted intent) for every test example of every fold."""
    pairs: list[tuple[str, str]] = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        if path.exists():
            for item in json.loads(path.read_text()):
                predicted = (item.get("intent_prediction") or {}).get("name") or "none"
                pairs.append((item["intent"], predicted))
    return pairs


def per_intent_report(out: Path) -> dict[str, dict[str, float]]:
    report = json.loads((out / "intent_report.json").read_text())
    return {k: v for k, v in report.items() if isinstance(v, dict) and "f1-score" in v and k not in _AVERAGES}


_AVERAGES = {"micro avg", "macro avg", "weighted avg", "accuracy"}


def kind_confusion(pairs: list[tuple[str, str]]) -> tuple[dict[str, Counter[str]], float]:
    """Rows: true kind; columns: the three kinds plus 'other'. Also the share of
    the kinds' examples predicted as a different kind."""
    matrix: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    for true, predicted in pairs:
        if true in matrix:
            matrix[true][predicted if predicted in KINDS else "other"] += 1
    total = sum(sum(row.values()) for row in matrix.values())
    crossed = sum(row[col] for true, row in matrix.items() for col in KINDS if col != true)
    return matrix, (crossed / total if total else 0.0)


def print_report(out: Path) -> bool:
    report = per_intent_report(out)
    print(f"\n{'intent':<20} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>5}")
    for intent in sorted(report):
        r = report[intent]
        mark = " *" if intent in MAIN_INTENTS else ""
        scores = f"{r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1-score']:>6.3f}"
        print(f"{intent:<20} {scores} {int(r['support']):>5}{mark}")
    main_f1 = [report[i]["f1-score"] for i in MAIN_INTENTS if i in report]
    macro = sum(main_f1) / len(MAIN_INTENTS)
    all_macro = sum(r["f1-score"] for r in report.values()) / len(report)
    print(f"\nmacro F1, five main intents (*): {macro:.3f}  (target >= {MACRO_F1_TARGET:.2f})")
    print(f"macro F1, all intents:           {all_macro:.3f}  (target >= {ALL_MACRO_F1_TARGET:.2f})")

    matrix, confusion = kind_confusion(load_predictions(out))
    short = {"give_compliment": "compliment", "give_comment": "comment", "make_complaint": "complaint"}
    columns = [*KINDS, "other"]
    print("\nthree-kind confusion (rows: true, columns: predicted)")
    print(f"{'':<12}" + "".join(f"{short.get(c, c):>12}" for c in columns))
    for true in KINDS:
        print(f"{short[true]:<12}" + "".join(f"{matrix[true][c]:>12}" for c in columns))
    print(f"\nkind confused with another kind: {confusion:.1%}  (target < {KIND_CONFUSION_TARGET:.0%})")
    ok = macro >= MACRO_F1_TARGET and all_macro >= ALL_MACRO_F1_TARGET and confusion < KIND_CONFUSION_TARGET
    print("==> targets met" if ok else "!! a target was missed")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("results/nlu-cv"))
    parser.add_argument("--config", default="config.yml", help="to compare another pipeline")
    parser.add_argument("--skip-run", action="store_true", help="only print the report of an earlier run")
    parser.add_argument("--report-only", action="store_true", help="exit 0 even when a target is missed")
    args = parser.parse_args(argv)
    out = args.out if args.out.is_absolute() else ROOT / args.out
    if not args.skip_run:
        run_cross_validation(args.folds, out, args.config)
    ok = print_report(out)
    return 0 if ok or args.report_only else 1


if __name__ == "__main__":
    sys.exit(main())
