"""Measure the safeguarding detector: who would a person see, and how often do ordinary messages alarm?

Default: the classifier of the trained model (models/current.tar.gz; `--train` trains
one here instead, as `rasa train` does), then score the labelled sets
(development, regression and the fresh batches in tests/bot/safeguarding/): per
category how many disclosures became an alert, a concern or nothing, the alert and
concern rates on ordinary messages, `immediate` without a danger word, every miss.

  --lowo       leave writers out: the writers' files in bot/safeguarding/training/ in six
               groups; for each group, train on the others and run the whole detector on
               its messages (the closest stand-in for wordings nobody wrote down); prints
               a table of bands, which is how patterns.yml's `classifier:` bands are chosen.
               About an hour (six trainings of both models).
  --url URL    score through `POST /model/parse` of a running Rasa server instead, as an
               outside evaluator would; its auth token from RASA_AUTH_TOKEN in the
               environment, else from var/secrets.env (never on the command line).
  --set PATH   score these sets instead of the default ones (repeatable).

Usage: .venv/rasa/bin/python -m scripts.eval_safeguarding [--lowo] [--url URL] [--set PATH]... [--brief]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.safeguarding.classifier import RiskClassifier, load_examples, load_from_rasa_model
from bot.safeguarding.conversation import nlu_examples, ordinary_messages
from bot.safeguarding.detector import Assessment, SafeguardingDetector
from scripts.safeguarding_sets import Item, Outcome, format_score, load_items, score
from scripts.stack import rasa_auth_token

SETS_DIR = Path("tests/bot/safeguarding")
MODEL = Path("models/current.tar.gz")
DEFAULT_SETS = ("dev_set.yml", "regression_set.yml", "fresh_batch_1.yml", "fresh_batch_2.yml", "heldback.yml")


def default_sets() -> list[Path]:
    return [SETS_DIR / name for name in DEFAULT_SETS if (SETS_DIR / name).exists()]


def trained_detector(exclude: list[str]) -> SafeguardingDetector:
    """As `rasa train` trains it: the training folder plus everyday NLU messages (minus any text measured)."""
    detector = SafeguardingDetector()
    negatives = ordinary_messages(nlu_examples(), detector, exclude=exclude)
    detector.train_classifier(extra_negatives=negatives)
    return detector


def run_local(detector: SafeguardingDetector, items: list[Item]) -> tuple[list[tuple[Item, Outcome]], list[float]]:
    pairs, timings = [], []
    for item in items:
        started = time.perf_counter()
        detection = detector.detect(item.text)
        timings.append((time.perf_counter() - started) * 1000)
        pairs.append((item, Outcome.from_parse(detection.as_dict())))
    return pairs, timings


def run_remote(url: str, token: str, items: list[Item]) -> list[tuple[Item, Outcome]]:
    # Rasa 3.6 takes its auth token as `?token=` only (rasa/server.py requires_auth).
    query = urllib.parse.urlencode({"token": token})
    pairs = []
    for item in items:
        request = urllib.request.Request(  # noqa: S310 (a URL the user gave)
            f"{url.rstrip('/')}/model/parse?{query}",
            data=json.dumps({"text": item.text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            body = json.loads(response.read())
        pairs.append((item, Outcome.from_parse(body.get("safeguarding"))))
    return pairs


GROUPS = 6


def leave_one_writer_out(brief: bool) -> None:
    """Train without each group of writers in turn and assess their messages; then try bands."""
    examples = load_examples()
    writers = sorted({e.source for e in examples if e.source != "original"})
    base = SafeguardingDetector()
    everyday = ordinary_messages(nlu_examples(), base)
    assessed: list[tuple[Item, Assessment]] = []
    for group in (writers[i::GROUPS] for i in range(GROUPS)):
        started = time.perf_counter()
        held = [e for e in examples if e.source in group]
        held_texts = {e.text.strip().lower() for e in held}
        train = [e for e in examples if e.source not in group]
        base.classifier = RiskClassifier.train(
            train, preprocess=base.normalise, everyday=[t for t in everyday if t.strip().lower() not in held_texts]
        )
        for e in held:
            category = None if e.label == "none" else e.label
            assessed.append((Item(e.text, category, e.strength), base.assess(e.text)))
        seconds = time.perf_counter() - started
        print(f"  without {', '.join(group)}: trained and assessed {len(held)} in {seconds:.0f} s")
    current = base.book.classifier
    pairs = [(item, Outcome.from_parse(base.decide(a).as_dict())) for item, a in assessed]
    print(format_score("writers left out, current bands", score(pairs), details=not brief))
    print("\n  alert  concern  harm-floor   seen   alert-recall  ordinary-alert  ordinary-concern")
    for alert in (0.85, 0.9, 0.95):
        for concern in (0.5, 0.55, 0.6, 0.65, 0.7):
            for floor in (0.03, 0.1):
                settings = replace(current, threshold=alert, concern_threshold=concern, harm_floor=floor)
                result = score([(i, Outcome.from_parse(base.decide(a, settings).as_dict())) for i, a in assessed])
                print(
                    f"  {alert:5.2f}  {concern:7.2f}  {floor:10.2f}  {result.seen():5.3f}  "
                    f"{result.alerted():12.3f}  {result.ordinary_rate('risk'):14.3f}  "
                    f"{result.ordinary_rate('concern'):16.3f}"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="sets", type=Path, action="append", help="a labelled set (repeatable)")
    parser.add_argument("--url", help="score through POST /model/parse of this Rasa server")
    parser.add_argument("--lowo", action="store_true", help="leave one writer out (chooses the bands)")
    parser.add_argument("--no-classifier", action="store_true", help="patterns only")
    parser.add_argument("--train", action="store_true", help="train the classifier here instead of loading the model's")
    parser.add_argument("--brief", action="store_true", help="figures only, no lists of messages")
    args = parser.parse_args(argv)
    if args.lowo:
        leave_one_writer_out(args.brief)
        return 0
    sets = args.sets or default_sets()
    loaded = {path: load_items(path) for path in sets}
    if args.url:
        token = rasa_auth_token()
        if not token:
            print("no Rasa auth token: set RASA_AUTH_TOKEN or run `make setup` (writes var/secrets.env)")
            return 2
        try:
            for path, items in loaded.items():
                print(format_score(str(path), score(run_remote(args.url, token, items)), details=not args.brief))
        except urllib.error.HTTPError as exc:
            print(f"{args.url} answered HTTP {exc.code} ({exc.reason}); a 401 means the token is not this server's")
            return 1
        return 0
    measured = [item.text for items in loaded.values() for item in items]
    started = time.perf_counter()
    if args.no_classifier:
        detector = SafeguardingDetector()
    elif args.train or not MODEL.exists():
        detector = trained_detector(exclude=measured)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            detector = SafeguardingDetector(classifier=load_from_rasa_model(MODEL, Path(scratch)))
    print(f"detector ready in {time.perf_counter() - started:.1f} s")
    detector.detect("warm up")
    all_timings: list[float] = []
    for path, items in loaded.items():
        pairs, timings = run_local(detector, items)
        all_timings += timings
        print(format_score(str(path), score(pairs), details=not args.brief))
    lat = sorted(all_timings)
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
    print(f"\nlatency per message: median {statistics.median(lat):.1f} ms, p95 {p95:.1f} ms, max {lat[-1]:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
