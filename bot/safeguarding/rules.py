"""Load patterns.yml into typed rules the detector can apply.

The YAML is read with a loader that keeps `on`, `off`, `yes` and `no` as words
(plain YAML 1.1 would turn them into booleans, and "on" and "no" are words the
patterns need). Numbers inside word lists become strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATTERNS_PATH = Path(__file__).with_name("patterns.yml")
SEVERITY_RANK = {"medium": 1, "high": 2, "immediate": 3}
_TOKEN_ATTRS_KEEP_TYPE = {"OP", "LIKE_NUM", "IS_PUNCT", "IS_ALPHA", "IS_DIGIT", "LENGTH", "IS_SPACE"}


class _WordsLoader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans."""


_WordsLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_WordsLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_WordsLoader)  # noqa: S506 (a SafeLoader subclass)


def _clean_token(token: dict[str, Any]) -> dict[str, Any]:
    """Make every word a lower-case string so spaCy compares like with like."""
    cleaned: dict[str, Any] = {}
    for attr, value in token.items():
        if attr in _TOKEN_ATTRS_KEEP_TYPE:
            cleaned[attr] = value
        elif isinstance(value, dict):
            cleaned[attr] = {op: [str(v).lower() for v in vals] for op, vals in value.items()}
        else:
            cleaned[attr] = str(value).lower()
    return cleaned


def clean_pattern(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_clean_token(token) for token in pattern]


def _phrases(values: list[Any] | None) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(v).lower().split()) for v in values or ())


@dataclass(frozen=True)
class Rule:
    """One reviewed pattern and the conditions under which its match counts."""

    category: str
    id: str
    severity: str
    pattern: list[dict[str, Any]]
    description: str = ""
    negatable: bool = True
    requires_staff: bool = False
    requires_any: frozenset[str] = frozenset()
    requires_also: frozenset[str] = frozenset()  # and one of these too
    not_followed_by: tuple[tuple[str, ...], ...] = ()
    not_preceded_by: tuple[tuple[str, ...], ...] = ()
    at_end: bool = False
    alone: bool = False  # the match must be the whole message (bar punctuation)
    at_end_or_followed_by: frozenset[str] | None = None
    number_at_least: float | None = None
    # An alert without the classifier's agreement: the words cannot mean anything else.
    certain: bool = False

    @property
    def key(self) -> str:
        return f"{self.category}/{self.id}"


@dataclass(frozen=True)
class FigurativeException:
    id: str
    pattern: list[dict[str, Any]]
    categories: frozenset[str] | None = None
    laughing: bool = False  # only counts when the message is laughing (lol, haha, an emoji)


@dataclass(frozen=True)
class Frame:
    """Words that put a sentence in a story, a game, a sport or a celebration."""

    id: str
    pattern: list[dict[str, Any]]
    categories: frozenset[str] | None = None  # None: every category
    whole_message: bool = False  # the frame covers every sentence, not only its own
    rules: frozenset[str] | None = None  # only these patterns ("category/id"); None: every pattern of its categories


@dataclass(frozen=True)
class Immediacy:
    id: str
    pattern: list[dict[str, Any]]
    categories: frozenset[str]


@dataclass(frozen=True)
class Negation:
    cues: frozenset[str]
    pseudo: frozenset[str]
    breakers: frozenset[str]
    window: int


@dataclass(frozen=True)
class StaffRule:
    reassign_from: frozenset[str]
    terms: frozenset[str]
    not_after: frozenset[str]
    not_before: frozenset[str]
    max_distance: int


@dataclass(frozen=True)
class ClassifierSettings:
    """Calibrated probability bands (see classifier.py)."""

    threshold: float = 0.5  # alone, at or above: an alert
    concern_threshold: float = 0.3  # alone, at or above: a concern
    weak_threshold: float = 0.15  # a faint signal: counts only with others in the conversation
    confirm_threshold: float = 0.1  # a harm pattern is an alert from here, a concern below
    harm_floor: float = 0.0  # below it, the classifier overrules a harm pattern (a faint signal only)
    cue_floor: float = 0.0  # below it, the classifier overrules a cue pattern (a faint signal only)
    figurative_threshold: float = 0.85  # for an alert when a negation or exception fired
    figurative_concern_threshold: float = 0.85  # for a concern when a negation or exception fired
    sentence_threshold: float = 0.95  # one sentence of a longer message this sure: a concern
    severity: str = "high"


@dataclass(frozen=True)
class RuleBook:
    rules: list[Rule]
    exceptions: list[FigurativeException]
    immediacy: list[Immediacy]
    negation: Negation
    staff: StaffRule
    category_priority: list[str]
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)
    laughter: frozenset[str] = frozenset()
    reassurance: list[list[dict[str, Any]]] = field(default_factory=list)
    # An `immediate` severity needs one of these words of acute danger in the message.
    danger_words: list[list[dict[str, Any]]] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        return list(self.category_priority)

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_PATTERNS_PATH) -> RuleBook:
        data = load_yaml(path)
        rules = [_rule(category, spec) for category, block in data["categories"].items() for spec in block["patterns"]]
        exceptions = [
            FigurativeException(
                id=e["id"],
                pattern=clean_pattern(e["pattern"]),
                categories=_categories(e),
                laughing=bool(e.get("laughing", False)),
            )
            for e in data.get("exceptions") or []
        ]
        immediacy = [
            Immediacy(id=i["id"], pattern=clean_pattern(i["pattern"]), categories=frozenset(i["categories"]))
            for i in data.get("immediacy") or []
        ]
        neg = data["negation"]
        negation = Negation(
            cues=_words(neg["cues"]),
            pseudo=_words(neg["pseudo"]),
            breakers=_words(neg["breakers"]),
            window=int(neg.get("window", 4)),
        )
        st = data["staff"]
        staff = StaffRule(
            reassign_from=frozenset(st["reassign_from"]),
            terms=_words(st["terms"]),
            not_after=_words(st.get("not_after")),
            not_before=_words(st.get("not_before")),
            max_distance=int(st.get("max_distance", 12)),
        )
        clf = data.get("classifier") or {}
        defaults = ClassifierSettings()
        settings = ClassifierSettings(
            **{name: float(clf.get(name, getattr(defaults, name))) for name in _THRESHOLDS},
            severity=str(clf.get("severity", defaults.severity)),
        )
        if not settings.weak_threshold <= settings.concern_threshold <= settings.threshold:
            raise ValueError("classifier thresholds must rise: weak <= concern <= threshold")
        priority = list(data["category_priority"])
        unknown = {r.category for r in rules} - set(priority)
        if unknown:
            raise ValueError(f"categories missing from category_priority: {sorted(unknown)}")
        laughter = _words(data.get("laughter"))
        reassurance = [clean_pattern(p) for p in data.get("reassurance") or []]
        danger = [clean_pattern(p) for p in data.get("danger_words") or []]
        frames = [
            Frame(
                id=f["id"],
                pattern=clean_pattern(f["pattern"]),
                categories=_categories(f),
                whole_message=bool(f.get("whole_message", False)),
                rules=frozenset(f["rules"]) if f.get("rules") else None,
            )
            for f in data.get("frames") or []
        ]
        known = {rule.key for rule in rules}
        unknown_framed = {key for frame in frames for key in frame.rules or ()} - known
        if unknown_framed:
            raise ValueError(f"frames name unknown patterns: {sorted(unknown_framed)}")
        return cls(
            rules, exceptions, immediacy, negation, staff, priority, settings, laughter, reassurance, danger, frames
        )


_THRESHOLDS = (
    "threshold",
    "concern_threshold",
    "weak_threshold",
    "confirm_threshold",
    "harm_floor",
    "cue_floor",
    "figurative_threshold",
    "figurative_concern_threshold",
    "sentence_threshold",
)


def _categories(spec: dict[str, Any]) -> frozenset[str] | None:
    """The categories an exception or a frame is limited to; None: every category."""
    return frozenset(spec["categories"]) if spec.get("categories") else None


def _words(values: list[Any] | None) -> frozenset[str]:
    return frozenset(str(v).lower() for v in values or ())


def _rule(category: str, spec: dict[str, Any]) -> Rule:
    severity = spec.get("severity", "high")
    if severity not in SEVERITY_RANK:
        raise ValueError(f"{category}/{spec['id']}: unknown severity {severity!r}")
    end_or = spec.get("at_end_or_followed_by")
    return Rule(
        category=category,
        id=spec["id"],
        severity=severity,
        pattern=clean_pattern(spec["pattern"]),
        description=spec.get("description", ""),
        negatable=bool(spec.get("negatable", True)),
        requires_staff=bool(spec.get("requires_staff", False)),
        requires_any=_words(spec.get("requires_any")),
        requires_also=_words(spec.get("requires_also")),
        not_followed_by=_phrases(spec.get("not_followed_by")),
        not_preceded_by=_phrases(spec.get("not_preceded_by")),
        at_end=bool(spec.get("at_end", False)),
        alone=bool(spec.get("alone", False)),
        at_end_or_followed_by=_words(end_or) if end_or is not None else None,
        number_at_least=spec.get("number_at_least"),
        certain=bool(spec.get("certain", False)),
    )
