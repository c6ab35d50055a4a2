"""Small numbers in a home are hidden: the report is published, and children must not be identifiable.

In a home of five children, "1 complaint from Home 3 about contact" may say who made it.
So every figure given per home shows 1 to 4 as "fewer than 5" (0 stays 0: nothing to hide).

One hidden number in a column could still be worked out: the report gives the totals in its
summary, so the total less the other homes' figures is the hidden one. When exactly one
home in a column is hidden, the next smallest figure in that column is withheld as well.
"""

from __future__ import annotations

from collections.abc import Sequence

THRESHOLD = 5
FEWER = "fewer than 5"
WITHHELD = "withheld"


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def shown(count: int) -> str:
    """One figure on its own: 0, "fewer than 5", or the number."""
    return FEWER if is_small(count) else str(count)


def column(counts: Sequence[int]) -> list[str]:
    """A column of per-home figures as shown: small ones hidden, and one more if one alone was hidden."""
    out = [shown(n) for n in counts]
    small = [i for i, n in enumerate(counts) if is_small(n)]
    if len(small) == 1:
        others = [i for i, n in enumerate(counts) if n >= THRESHOLD]
        if others:
            out[min(others, key=lambda i: (counts[i], i))] = WITHHELD
    return out


def is_hidden(text: str) -> bool:
    return text in {FEWER, WITHHELD}
