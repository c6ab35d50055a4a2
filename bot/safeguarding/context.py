"""A message read with the conversation before it.

Children rarely say it all at once: "my uncle" ... "he comes in my room at night";
a hint, then later another. So each message is also weighed with the earlier ones
in the same conversation:

- a disclosure split across two messages: the previous message and this one are
  read together, and count when together they say more than either alone;
- two weak signals make a concern; a concern after an earlier concern or alert
  makes a live alert (a person is told at once);
- a hint early on raises the sensitivity for the rest of the conversation: a
  faint signal after it is a concern.

Pure logic over Detection results; the detector and the conversation come from
the caller (component.py), so this is easy to test on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.safeguarding.detector import CONCERN, CONCERN_SEVERITY, LEVEL_RANK, NONE, RISK, Detection

# How many earlier messages of the conversation count.
WINDOW = 6


def in_context(
    current: Detection,
    earlier: Sequence[Detection],
    read_together: Callable[[], Detection] | None = None,
) -> Detection:
    """`current` weighed with `earlier` (oldest first, this conversation only).
    `read_together` detects on the previous message and this one as one text."""
    if current.level == RISK:
        return current
    recent = list(earlier)[-WINDOW:]
    if recent and read_together is not None:
        together = read_together()
        alone = max(LEVEL_RANK[recent[-1].level], LEVEL_RANK[current.level])
        if LEVEL_RANK[together.level] > alone:
            return replace(together, matched=[*together.matched, "context/read_with_previous"])
    flagged = any(d.level != NONE for d in recent)
    if current.level == CONCERN:
        if flagged:
            return Detection(
                RISK, current.category, "high", [*current.matched, "context/after_earlier_concern"], current.probability
            )
        return current
    if current.weak and (flagged or any(d.weak for d in recent)):
        return Detection(
            CONCERN,
            current.leaning,
            CONCERN_SEVERITY,
            [f"classifier/{current.leaning}:{current.probability:.2f}", "context/second_signal"],
            current.probability,
        )
    return current
