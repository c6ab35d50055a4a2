"""Safeguarding detector: does this message disclose a risk, and of what kind?

Pure Python + spaCy (no Rasa), so it can be tested and evaluated on its own.
Patterns (patterns.yml) find what a safeguarding lead can name; a trained
classifier (classifier.py) reads the whole message and each of its sentences
for the wordings nobody listed. Together they give one of three levels:

- risk: a live alert, staff told at once;
- concern: unsure; the bot checks in gently and a person reviews it within a working day;
- none (possibly `weak`: a faint signal that counts only with others in the
  conversation, see context.py).

Recall comes first: a pattern the classifier does not back is still a concern.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot import spacy_pipeline
from bot.safeguarding.classifier import DEFAULT_TRAINING_DIR, Prediction, RiskClassifier, load_examples
from bot.safeguarding.normalise import DEFAULT_RULES_PATH, Normaliser, NormaliseRules
from bot.safeguarding.rules import DEFAULT_PATTERNS_PATH, SEVERITY_RANK, ClassifierSettings, Frame, Rule, RuleBook
from bot.safeguarding.segments import segments

_SENTENCE_END = {".", "!", "?", ";", "\n"}
RISK, CONCERN, NONE = "risk", "concern", "none"
LEVEL_RANK = {NONE: 0, CONCERN: 1, RISK: 2}
CONCERN_SEVERITY = "medium"


@dataclass(frozen=True)
class Detection:
    level: str = NONE
    category: str | None = None
    severity: str | None = None
    matched: list[str] = field(default_factory=list)
    # Not part of the NLU output: used to weigh messages together (context.py) and by tools.
    probability: float = 0.0
    weak: bool = False
    leaning: str | None = None  # the category a weak signal points to

    @property
    def risk(self) -> bool:
        """Only a live alert is a risk; a concern is reviewed by a person instead."""
        return self.level == RISK

    def as_dict(self) -> dict[str, Any]:
        return {
            "risk": self.risk,
            "level": self.level,
            "category": self.category,
            "severity": self.severity,
            "matched": list(self.matched),
        }


NO_RISK = Detection()


@dataclass(frozen=True)
class _Hit:
    rule: Rule
    category: str  # may differ from rule.category when staff did it
    start: int
    end: int


@dataclass(frozen=True)
class Assessment:
    doc: Doc
    hits: list[_Hit]
    softened: bool  # a negation, figurative exception or reassurance fired
    prediction: Prediction | None  # the classifier on the whole message
    sentence: Prediction | None = None  # its most worried reading of any one sentence of a longer message


class SafeguardingDetector:
    """Build once (loads spaCy and the YAML), then call detect() per message."""

    def __init__(
        self,
        nlp: Language | None = None,
        spacy_path: Path = spacy_pipeline.DEFAULT_PATH,
        patterns_path: Path = DEFAULT_PATTERNS_PATH,
        normalise_path: Path = DEFAULT_RULES_PATH,
        classifier: RiskClassifier | None = None,
    ) -> None:
        self.nlp = nlp if nlp is not None else spacy_pipeline.load(spacy_path)
        self.book = RuleBook.from_yaml(patterns_path)
        self.normalise = Normaliser(NormaliseRules.from_yaml(normalise_path), known=_Vocabulary(self.nlp))
        self.classifier = classifier
        self._rules = {rule.key: rule for rule in self.book.rules}
        self._priority = {c: i for i, c in enumerate(self.book.category_priority)}
        self._matcher = Matcher(self.nlp.vocab)
        for rule in self.book.rules:
            self._matcher.add(rule.key, [rule.pattern])
        self._exceptions = Matcher(self.nlp.vocab)
        self._exception_categories: dict[str, tuple[frozenset[str] | None, bool]] = {}
        for exc in self.book.exceptions:
            self._exceptions.add(f"exception/{exc.id}", [exc.pattern])
            self._exception_categories[f"exception/{exc.id}"] = (exc.categories, exc.laughing)
        self._reassurance = Matcher(self.nlp.vocab)
        if self.book.reassurance:
            self._reassurance.add("reassurance", self.book.reassurance)
        self._frames = Matcher(self.nlp.vocab)
        self._frame_rules = {f"frame/{frame.id}": frame for frame in self.book.frames}
        for key, frame in self._frame_rules.items():
            self._frames.add(key, [frame.pattern])
        self._danger = Matcher(self.nlp.vocab)
        if self.book.danger_words:
            self._danger.add("danger", self.book.danger_words)
        self._immediacy = Matcher(self.nlp.vocab)
        self._immediacy_categories: dict[str, frozenset[str]] = {}
        for imm in self.book.immediacy:
            self._immediacy.add(f"immediacy/{imm.id}", [imm.pattern])
            self._immediacy_categories[f"immediacy/{imm.id}"] = imm.categories

    def train_classifier(
        self, training_dir: Path = DEFAULT_TRAINING_DIR, extra_negatives: Sequence[str] = (), use_encoder: bool = True
    ) -> RiskClassifier:
        """Train the classifier from the training folder (plus everyday messages known
        not to be disclosures) and use it from now on."""
        self.classifier = RiskClassifier.train(
            load_examples(training_dir), preprocess=self.normalise, everyday=extra_negatives, use_encoder=use_encoder
        )
        return self.classifier

    def detect(self, text: str) -> Detection:
        if not text or not text.strip():
            return NO_RISK
        return self.decide(self.assess(text))

    def assess(self, text: str) -> Assessment:
        """Everything the decision rests on, before any threshold is applied."""
        doc = self._parse(text)
        hits, softened = self._pattern_hits(doc, {t.lower_ for t in doc})
        return Assessment(doc, hits, softened, *self._classify(doc.text))

    def decide(self, assessment: Assessment, settings: ClassifierSettings | None = None) -> Detection:
        """Patterns and classifier together give the level (see the module docstring).
        `settings` other than the rule book's are for choosing thresholds (scripts/eval_safeguarding.py)."""
        settings = settings or self.book.classifier
        doc, hits, softened, prediction = assessment.doc, assessment.hits, assessment.softened, assessment.prediction
        # With no trained classifier, the patterns decide alone: every harm pattern is an alert.
        p = prediction.risk_probability if prediction else 1.0  # a disclosure at all: a person should see it
        q = prediction.alert_probability if prediction else 1.0  # said plainly, not as a hint: an alert
        matched = [h.rule.key for h in hits]
        if prediction is not None and p >= settings.weak_threshold:
            matched.append(f"classifier/{prediction.category}:{p:.2f}")
        alert_at = settings.figurative_threshold if softened else settings.threshold
        danger = self._acute_danger(doc)
        certain = [h for h in hits if h.rule.certain or (h.rule.severity == "immediate" and danger)]
        harm = [h for h in hits if h.rule.severity != "medium"]
        if certain or (harm and p >= settings.confirm_threshold):
            best = self._best(certain or harm)
            severity, urgent = self._escalate(doc, best.category, best.rule.severity)
            return Detection(RISK, best.category, severity, matched + urgent, p)
        if hits and q >= alert_at:
            best = self._best(hits)
            severity, urgent = self._escalate(doc, best.category, settings.severity)
            return Detection(RISK, best.category, severity, matched + urgent, p)
        # Harm the classifier doubts, or a named cue (a hint, secrecy, an injury nobody explains):
        # a person checks, unless the classifier is all but sure it is ordinary talk.
        cues = [h for h in hits if h.rule.severity == "medium"]
        # Two different cues in one message are worth a question even when the words around them
        # look ordinary to the classifier ("a man hanging round the fence taking photos of us").
        two_cues = len(cues) >= 2  # hits are one per rule already
        if (harm and p >= settings.harm_floor) or (cues and (p >= settings.cue_floor or two_cues)):
            return Detection(CONCERN, self._best(hits).category, CONCERN_SEVERITY, matched, p)
        if prediction is None or prediction.category is None:
            return Detection(NONE, weak=bool(hits), leaning=self._best(hits).category if hits else None)
        category = self._staff_category(doc, prediction.category, 0, len(doc))
        if q >= alert_at:
            severity, urgent = self._escalate(doc, category, settings.severity)
            return Detection(RISK, category, severity, matched + urgent, p)
        concern_at = settings.figurative_concern_threshold if softened else settings.concern_threshold
        if p >= concern_at:
            return Detection(CONCERN, category, CONCERN_SEVERITY, matched, p)
        sentence = assessment.sentence
        if sentence is not None and not softened and sentence.risk_probability >= settings.sentence_threshold:
            # One sentence says it plainly, though the message around it is ordinary: a person checks.
            reading = f"classifier_sentence/{sentence.category}:{sentence.risk_probability:.2f}"
            category = self._staff_category(doc, sentence.category or category, 0, len(doc))
            return Detection(CONCERN, category, CONCERN_SEVERITY, [*matched, reading], p)
        # A pattern the classifier overruled still counts as a faint signal in the conversation.
        weak = p >= settings.weak_threshold or bool(hits)
        leaning = self._best(hits).category if hits else category
        return Detection(NONE, probability=p, weak=weak, leaning=leaning)

    def _best(self, hits: list[_Hit]) -> _Hit:
        return max(hits, key=lambda h: (SEVERITY_RANK[h.rule.severity], -self._priority[h.category]))

    def pattern_matches(self, text: str) -> tuple[list[str], bool]:
        """The pattern keys that count for this text, and whether a negation,
        figurative exception or reassurance softened it (for evaluation tools)."""
        doc = self._parse(text)
        hits, softened = self._pattern_hits(doc, {t.lower_ for t in doc})
        return [h.rule.key for h in hits], softened

    def _parse(self, text: str) -> Doc:
        # A leading "/" (a child copying how buttons look) is not part of the first word: "/kms".
        doc = self.nlp(self.normalise(text.lstrip("/")))
        fixes = self.normalise.rules.lemma_fixes
        for token in doc:
            if token.lower_ in fixes:
                token.lemma_ = fixes[token.lower_]
        return doc

    # -- patterns -------------------------------------------------------------------------------

    def _pattern_hits(self, doc: Doc, words: set[str]) -> tuple[list[_Hit], bool]:
        """Matches that survive every check; `softened` says whether a negation or
        a figurative exception removed something (the classifier is then stricter)."""
        exceptions = self._exception_spans(doc, words)
        softened = bool(exceptions) or bool(self._reassurance(doc))
        frames = [(self._frame_rules[doc.vocab.strings[k]], s) for k, s, _ in self._frames(doc)]
        hits: dict[str, _Hit] = {}
        for key_id, start, end in self._matcher(doc):
            rule = self._rules[doc.vocab.strings[key_id]]
            if not self._conditions_hold(rule, doc, words, start, end):
                continue
            if any(s < end and start < e and (cats is None or rule.category in cats) for cats, s, e in exceptions):
                continue
            if rule.negatable and self._negated(doc, start):
                softened = True
                continue
            if self._framed(doc, frames, rule, start, end):
                softened = True  # a film's plot, a match, a surprise: the classifier judges it, strictly
                continue
            if rule.requires_staff and not self._staff_in(doc, start, end):
                continue
            category = rule.category if rule.requires_staff else self._staff_category(doc, rule.category, start, end)
            previous = hits.get(rule.key)
            if previous is None or end - start > previous.end - previous.start:
                hits[rule.key] = _Hit(rule, category, start, end)
        return list(hits.values()), softened

    def _exception_spans(self, doc: Doc, words: set[str]) -> list[tuple[frozenset[str] | None, int, int]]:
        """The figurative and everyday uses in the message: (categories they cancel, start, end)."""
        laughing = bool(words & self.book.laughter)
        return [
            (cats, s, e)
            for k, s, e in self._exceptions(doc)
            for cats, needs_laugh in [self._exception_categories[doc.vocab.strings[k]]]
            if laughing or not needs_laugh
        ]

    def _conditions_hold(self, rule: Rule, doc: Doc, words: set[str], start: int, end: int) -> bool:
        if rule.requires_any and not (rule.requires_any & words):
            return False
        if rule.requires_also and not (rule.requires_also & words):
            return False
        before = [t.lower_ for t in doc[max(0, start - 3) : start]]
        for phrase in rule.not_preceded_by:
            if len(before) >= len(phrase) and tuple(before[len(before) - len(phrase) :]) == phrase:
                return False
        after = [t.lower_ for t in doc[end : end + 4]]
        for phrase in rule.not_followed_by:
            if tuple(after[: len(phrase)]) == phrase:
                return False
        if rule.alone and any(not _is_emoji_or_punct(t) for t in (*doc[:start], *doc[end:])):
            return False
        if rule.at_end and after and after[0] not in _SENTENCE_END and not _is_emoji_or_punct(doc[end]):
            return False
        if rule.at_end_or_followed_by is not None and after:
            if after[0] not in rule.at_end_or_followed_by and not _is_emoji_or_punct(doc[end]):
                return False
        if rule.number_at_least is not None:
            numbers = [_number(t.text) for t in doc[start:end] if t.like_num]
            if not any(n is not None and n >= rule.number_at_least for n in numbers):
                return False
        return True

    @staticmethod
    def _framed(doc: Doc, frames: list[tuple[Frame, int]], rule: Rule, start: int, end: int) -> bool:
        """A frame word for this pattern in the same sentence as the match (or anywhere, for a whole-message one)."""
        if not frames:
            return False
        lo, hi = _sentence_bounds(doc, start, end)
        return any(
            (frame.whole_message or lo <= at < hi)
            and (frame.categories is None or rule.category in frame.categories)
            and (frame.rules is None or rule.key in frame.rules)
            for frame, at in frames
        )

    def _negated(self, doc: Doc, start: int) -> bool:
        neg = self.book.negation
        for i in range(start - 1, max(-1, start - 1 - neg.window), -1):
            word = doc[i].lower_
            if word in neg.breakers:
                return False
            if word in neg.cues:
                following = [t.lower_ for t in doc[i + 1 : start]]
                if following and following[0] in {"one", "body"}:  # "no one", "no body"
                    following = following[1:]
                return not any(w in neg.pseudo for w in following[:2])
        return False

    # -- staff ----------------------------------------------------------------------------------

    def _staff_in(self, doc: Doc, start: int, end: int) -> bool:
        """A member of staff is the actor in the sentence around tokens [start, end)."""
        staff = self.book.staff
        lo, hi = _sentence_bounds(doc, start, end)
        for i in range(max(lo, start - staff.max_distance), min(hi, end + 3)):
            if doc[i].lower_ not in staff.terms:
                continue
            if i >= end and "by" not in {t.lower_ for t in doc[max(end, i - 2) : i]}:
                continue  # after the harm only as "by (a) staff"
            before = {t.lower_ for t in doc[max(lo, i - 3) : i]}
            after = doc[i + 1].lower_ if i + 1 < len(doc) else ""
            if before & staff.not_after or after in staff.not_before:
                continue
            return True
        return False

    def _staff_category(self, doc: Doc, category: str, start: int, end: int) -> str:
        if category in self.book.staff.reassign_from and self._staff_in(doc, start, end):
            return "staff_conduct"
        return category

    # -- classifier and severity ----------------------------------------------------------------

    def _classify(self, text: str) -> tuple[Prediction | None, Prediction | None]:
        """The classifier on the whole message, and its most worried reading of any one sentence
        (so a disclosure in the middle of a long complaint is not diluted), in one batch."""
        if self.classifier is None:
            return None, None
        whole, *parts = self.classifier.predict_many([text, *segments(text)])
        return whole, max(parts, key=lambda p: p.risk_probability, default=None)

    def _acute_danger(self, doc: Doc) -> bool:
        """A word of acute danger (patterns.yml `danger_words`) meant as one: a danger word inside a
        figurative or everyday use ("she's dead good", "killing it", "died laughing") does not count."""
        figurative = [(s, e) for _, s, e in self._exception_spans(doc, {t.lower_ for t in doc})]
        return any(not any(s < end and start < e for s, e in figurative) for _, start, end in self._danger(doc))

    def _escalate(self, doc: Doc, category: str, severity: str) -> tuple[str, list[str]]:
        """The severity of an alert, decided here and only here. `immediate` sends people running:
        never without a word of acute danger meant as one (`_acute_danger`), whatever the pattern or
        the classifier said, so a compliment or an everyday message ("goodbye forever x, she was dead
        good") is at most `high`."""
        if not self._acute_danger(doc):
            return ("high" if severity == "immediate" else severity), []
        if severity == "immediate":
            return severity, []
        for key_id, _, _ in self._immediacy(doc):
            key = doc.vocab.strings[key_id]
            if category in self._immediacy_categories[key]:
                return "immediate", [key]
        return severity, []


class _Vocabulary:
    """English words known to the lookup lemmatizer: its inflected forms and lemmas."""

    def __init__(self, nlp: Language) -> None:
        try:
            self._table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
        except (KeyError, AttributeError):
            self._table = {}
        self._lemmas = {str(v) for v in self._table.values()}

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self._lemmas or word in self._table)


def _sentence_bounds(doc: Doc, start: int, end: int) -> tuple[int, int]:
    lo = start
    while lo > 0 and doc[lo - 1].text not in _SENTENCE_END:
        lo -= 1
    hi = end
    while hi < len(doc) and doc[hi].text not in _SENTENCE_END:
        hi += 1
    return lo, hi


def _is_emoji_or_punct(token: Any) -> bool:
    return bool(token.is_punct or not token.text.isascii())


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
