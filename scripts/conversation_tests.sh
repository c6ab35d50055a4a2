#!/usr/bin/env bash
# `make test-conversations`: every conversation path in tests/conversations/.
#
# No action server and no backend are started, on purpose: `rasa test` replays
# each story's events (the slot_was_set lines stand for what the custom actions
# and forms would return) and checks, turn by turn, that the NLU gives the
# written intent for the child's words and the policies predict the written
# action. That tests the dialogue design (rules, forms, interruptions) fast and
# deterministically. The actions themselves are tested against a real backend in
# tests/actions/, and the whole stack end to end in tests/e2e/.
#
# Exits non-zero when any story fails (--fail-on-prediction-errors), and prints
# the failed stories from results/conversations/failed_test_stories.yml.
set -euo pipefail
cd "$(dirname "$0")/.."

export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 LOG_LEVEL=WARNING
OUT=results/conversations
rm -rf "$OUT"
status=0
.venv/rasa/bin/rasa test core \
	--stories tests/conversations \
	--model models/current.tar.gz \
	--out "$OUT" \
	--fail-on-prediction-errors \
	--no-plot --quiet || status=$?

if [[ $status -ne 0 ]] || grep -q "story:" "$OUT/failed_test_stories.yml" 2>/dev/null; then
	echo "!! conversation tests failed:"
	cat "$OUT/failed_test_stories.yml" 2>/dev/null || true
	exit 1
fi

# `rasa test core` takes the intent written in the story and does not check what
# the NLU makes of the child's words (not even with --e2e in Rasa 3.6), so every
# `user:` text is parsed here and must give the intent the story says.
PYTHONPATH=. .venv/rasa/bin/python - <<'PY' 2>&1 | { grep -v '\[debug' || true; }
import asyncio, glob, logging, sys

import yaml

logging.disable(logging.WARNING)
from rasa.core.agent import Agent  # noqa: E402


async def main() -> int:
    agent = Agent.load("models/current.tar.gz")
    failures, checked = [], 0
    for path in sorted(glob.glob("tests/conversations/*.yml")):
        for story in yaml.safe_load(open(path))["stories"]:
            for step in story["steps"]:
                if "user" in step and "intent" in step:
                    checked += 1
                    text = step["user"].strip()
                    got = (await agent.parse_message(text))["intent"]["name"]
                    if got != step["intent"]:
                        failures.append(f"{path}: {story['story']}: {text!r} -> {got}, expected {step['intent']}")
    print("\n".join(failures) or f"==> the NLU understood all {checked} messages in the conversation tests")
    return 1 if failures else 0


sys.exit(asyncio.run(main()))
PY
echo "==> all conversation tests passed ($(grep -c -- '- story:' tests/conversations/*.yml | awk -F: '{s+=$2} END {print s}') stories)"
