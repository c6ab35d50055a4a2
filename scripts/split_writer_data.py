"""Take a writer's batch of intent examples into the project, with a share held back.

A batch is Rasa NLU YAML written by someone who had not seen the training data. Each message
is normalised (case, spacing, punctuation) and dropped when it repeats a message already in
data/nlu, in another batch of this run, or in any measured set (tests/nlu/*.yml,
tests/bot/safeguarding/*.yml). Of the rest, HELD_BACK_SHARE is held back by a hash of the
text (so the split never depends on order or on what else is in the batch) into
tests/nlu/heldback_intents.yml, never trained on; the others go to data/nlu/<name>.yml.

Usage: python -m scripts.split_writer_data NAME=BATCH.yml [NAME=BATCH.yml ...]
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "data" / "nlu"
HELD_BACK = ROOT / "tests" / "nlu" / "heldback_intents.yml"
MEASURED = [*(ROOT / "tests" / "nlu").glob("*.yml"), *(ROOT / "tests" / "bot" / "safeguarding").glob("*.yml")]
HELD_BACK_SHARE = 0.15
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]+\)|\{[^}]+\})")


def normalised(text: str) -> str:
    """What makes two messages the same message: 'Its BROKEN!!' == 'its broken'."""
    # ASCII punctuation only: an emoji is a word ("😭" and "👍" are different messages).
    return " ".join(re.sub(r"[!-/:-@\[-`{-~]", " ", _ANNOTATION.sub(r"\1", text).casefold()).split())


def held_back(text: str) -> bool:
    digest = hashlib.sha256(normalised(text).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < HELD_BACK_SHARE


def nlu_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        if "intent" in item and item.get("examples"):
            pairs += [
                (item["intent"], line.strip()[2:].strip())
                for line in item["examples"].splitlines()
                if line.strip().startswith("- ")
            ]
    return pairs


def known_texts(skip: set[Path]) -> set[str]:
    texts = {normalised(text) for path in NLU_DIR.glob("*.yml") if path not in skip for _, text in nlu_pairs(path)}
    for path in MEASURED:
        if path != HELD_BACK:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            texts |= {normalised(str(item["text"])) for item in data.get("items") or [] if "text" in item}
    return texts


def write_nlu(path: Path, name: str, by_intent: dict[str, list[str]]) -> None:
    lines = [
        'version: "3.1"',
        f"# Writer batch '{name}': written for this project by a writer who had not seen the training data.",
        "# Taken in by scripts/split_writer_data.py (duplicates dropped, a share held back);",
        "# relabelled by hand only after review.",
        "nlu:",
    ]
    for intent in sorted(by_intent):
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {text}" for text in by_intent[intent]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    batches = [(arg.split("=", 1)[0], Path(arg.split("=", 1)[1])) for arg in argv]
    outputs = {NLU_DIR / f"{name}.yml" for name, _ in batches}
    seen = known_texts(skip=outputs)
    held: list[dict[str, str]] = []
    for name, path in batches:
        kept: dict[str, list[str]] = defaultdict(list)
        dropped = 0
        for intent, text in nlu_pairs(path):
            key = normalised(text)
            if not key or key in seen or text.startswith("/"):
                dropped += 1
                continue
            seen.add(key)
            if held_back(text):
                held.append({"text": text, "intent": intent})
            else:
                kept[intent].append(text)
        write_nlu(NLU_DIR / f"{name}.yml", name, kept)
        print(f"{name}: {sum(map(len, kept.values()))} kept for training, {dropped} duplicates dropped")
    HELD_BACK.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# The writers' batches' held-back share (scripts/split_writer_data.py): chosen by a hash of the text,\n"
        "# never trained on, never used to tune. Measured by `make eval-intents`.\n"
    )
    HELD_BACK.write_text(
        header + yaml.safe_dump({"items": held}, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8"
    )
    print(f"held back: {len(held)} -> {HELD_BACK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
