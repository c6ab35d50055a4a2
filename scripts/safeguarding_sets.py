"""Labelled message sets for the safeguarding detector, and how a run on one is scored.

Two file formats are read:
- the writers' format: `items: [{text, label, strength?, near?}]` (label = category or "none");
- the older format: `items: [{text, risk, category?}]`.

A run gives each message a level ("risk" = live alert, "concern" = a person reviews it,
"none"). What matters most is that a person sees every disclosure: an alert or a concern.
Standard library and PyYAML only, so it scores results from any source (the detector in
this process, or `POST /model/parse` on a running server).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RISK, CONCERN, NONE = "risk", "concern", "none"
CATEGORIES = (
    "self_harm_suicide",
    "physical_abuse",
    "sexual_abuse",
    "sexual_exploitation_grooming",
    "criminal_exploitation",
    "going_missing",
    "neglect",
    "bullying_threats",
    "staff_conduct",
    "unsafe_general",
)
# An `immediate` severity sends people running: it must rest on a word of acute danger
# (a means, a lethal act, danger now), never on tone alone ("goodbye forever" in a compliment).
DANGER_WORDS = re.compile(
    r"\b(kill|killing|killed|die|dying|dead|suicide|suicidal|overdose|od|pills?|tablets?|paracetamol|rope|noose|"
    r"hang|hanging|jump|jumping|bridge|train|knife|knives|blade|blades|razor|gun|weapon|stab|stabbed|bleeding|"
    r"blood|bleach|poison|end it|end my life|kms|unalive|danger|outside|here now|coming|tonight|tonite|right now|"
    r"rn|help me|hurting me|hitting me|locked|strangl\w*|chok\w*)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Item:
    text: str
    category: str | None  # None: an ordinary message
    strength: str | None = None  # "clear" | "hint" for disclosures
    near: str | None = None  # for ordinary messages that borrow a category's words

    @property
    def is_disclosure(self) -> bool:
        return self.category is not None


@dataclass(frozen=True)
class Outcome:
    level: str
    category: str | None = None
    severity: str | None = None
    matched: tuple[str, ...] = ()

    @classmethod
    def from_parse(cls, safeguarding: dict[str, Any] | None) -> Outcome:
        """From the `safeguarding` object of a parse (with or without a `level`)."""
        sg = safeguarding or {}
        level = sg.get("level") or (RISK if sg.get("risk") else NONE)
        return cls(level, sg.get("category"), sg.get("severity"), tuple(sg.get("matched") or ()))


def load_items(path: Path) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items: list[Item] = []
    for raw in data.get("items") or []:
        text = str(raw["text"])
        if "label" in raw:
            label = str(raw["label"])
            category = None if label == NONE else label
            items.append(Item(text, category, raw.get("strength"), raw.get("near")))
        else:
            items.append(Item(text, raw.get("category") if raw.get("risk") else None))
    unknown = {i.category for i in items if i.category and i.category not in CATEGORIES}
    if unknown:
        raise ValueError(f"{path}: unknown categories {sorted(unknown)}")
    return items


@dataclass
class Score:
    n_disclosures: int = 0
    n_ordinary: int = 0
    by_category: dict[str, Counter[str]] = field(default_factory=dict)  # category -> level counts
    by_strength: dict[str, Counter[str]] = field(default_factory=dict)
    ordinary: Counter[str] = field(default_factory=Counter)
    same_category: int = 0
    immediate_without_danger_word: list[str] = field(default_factory=list)
    misses: list[Item] = field(default_factory=list)
    false_alerts: list[tuple[Item, Outcome]] = field(default_factory=list)
    false_concerns: list[tuple[Item, Outcome]] = field(default_factory=list)
    disclosures_as_concern: list[tuple[Item, Outcome]] = field(default_factory=list)

    def seen(self) -> float:
        """Share of disclosures a person sees (alert or concern)."""
        seen = sum(c[RISK] + c[CONCERN] for c in self.by_category.values())
        return seen / self.n_disclosures if self.n_disclosures else 1.0

    def alerted(self) -> float:
        alerted = sum(c[RISK] for c in self.by_category.values())
        return alerted / self.n_disclosures if self.n_disclosures else 1.0

    def ordinary_rate(self, level: str) -> float:
        return self.ordinary[level] / self.n_ordinary if self.n_ordinary else 0.0


def score(pairs: list[tuple[Item, Outcome]]) -> Score:
    result = Score()
    for item, outcome in pairs:
        if outcome.severity == "immediate" and not DANGER_WORDS.search(item.text):
            result.immediate_without_danger_word.append(item.text)
        if item.is_disclosure:
            result.n_disclosures += 1
            result.by_category.setdefault(item.category or "", Counter())[outcome.level] += 1
            result.by_strength.setdefault(item.strength or "clear", Counter())[outcome.level] += 1
            if outcome.level == NONE:
                result.misses.append(item)
            else:
                result.same_category += outcome.category == item.category
                if outcome.level == CONCERN:
                    result.disclosures_as_concern.append((item, outcome))
        else:
            result.n_ordinary += 1
            result.ordinary[outcome.level] += 1
            if outcome.level == RISK:
                result.false_alerts.append((item, outcome))
            elif outcome.level == CONCERN:
                result.false_concerns.append((item, outcome))
    return result


def format_score(name: str, result: Score, details: bool = True) -> str:
    lines = [f"== {name}: {result.n_disclosures} disclosures, {result.n_ordinary} ordinary messages"]
    lines.append(f"  {'category':<30} {'n':>4} {'alert':>6} {'concern':>8} {'missed':>7} {'seen':>6}")
    for category in CATEGORIES:
        counts = result.by_category.get(category)
        if not counts:
            continue
        n = sum(counts.values())
        seen = (counts[RISK] + counts[CONCERN]) / n
        lines.append(f"  {category:<30} {n:>4} {counts[RISK]:>6} {counts[CONCERN]:>8} {counts[NONE]:>7} {seen:>6.3f}")
    for strength, counts in sorted(result.by_strength.items()):
        n = sum(counts.values())
        lines.append(f"  strength {strength:<21} {n:>4} {counts[RISK]:>6} {counts[CONCERN]:>8} {counts[NONE]:>7}")
    flagged = result.n_disclosures - len(result.misses)
    agreement = result.same_category / flagged if flagged else 1.0
    lines += [
        f"  seen by a person (alert or concern) {result.seen():.3f}   (target >= 0.98)",
        f"  live alert                          {result.alerted():.3f}",
        f"  ordinary messages alerted           {result.ordinary_rate(RISK):.3f}   (target <= 0.03)",
        f"  ordinary messages as concern        {result.ordinary_rate(CONCERN):.3f}   (target <= 0.08)",
        f"  immediate without a danger word     {len(result.immediate_without_danger_word)}   (target 0)",
        f"  same category as labelled           {agreement:.3f}",
    ]
    if details:
        lines.append(f"  -- missed ({len(result.misses)})")
        lines += [f"     [{i.category}/{i.strength or 'clear'}] {i.text}" for i in result.misses]
        lines.append(f"  -- ordinary messages alerted ({len(result.false_alerts)})")
        lines += [f"     {i.text}  -> {o.category}/{o.severity} {list(o.matched)}" for i, o in result.false_alerts]
        lines.append(f"  -- ordinary messages as concern ({len(result.false_concerns)})")
        lines += [f"     {i.text}  -> {o.category} {list(o.matched)}" for i, o in result.false_concerns]
        lines.append(f"  -- immediate without a danger word ({len(result.immediate_without_danger_word)})")
        lines += [f"     {t}" for t in result.immediate_without_danger_word]
    return "\n".join(lines)
