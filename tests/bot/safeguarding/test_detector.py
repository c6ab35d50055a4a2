"""The safeguarding detector on the development set and on specific behaviours."""

from __future__ import annotations

import difflib
import statistics
import time
from pathlib import Path

import pytest

from bot.safeguarding.classifier import RiskClassifier, load_examples
from bot.safeguarding.detector import Detection, SafeguardingDetector
from bot.safeguarding.rules import RuleBook
from scripts.eval_safeguarding import evaluate, load_dev_set

CATEGORIES = {
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
}


@pytest.fixture(scope="module")
def dev_set() -> list[dict]:
    return load_dev_set()


# -- the development set -------------------------------------------------------------------------


def test_dev_set_is_big_enough_with_every_category(dev_set: list[dict]) -> None:
    positives = [i for i in dev_set if i["risk"]]
    negatives = [i for i in dev_set if not i["risk"]]
    assert len(dev_set) >= 450
    assert len(negatives) >= 170
    for category in CATEGORIES:
        assert sum(1 for i in positives if i["category"] == category) >= 28, category
    assert {i["category"] for i in positives} == CATEGORIES


def test_dev_set_meets_recall_and_false_alarm_targets(detector: SafeguardingDetector, dev_set: list[dict]) -> None:
    report = evaluate(detector, dev_set)
    assert report.recall >= 0.98, report.misses
    for category, recall in report.recall_by_category.items():
        assert recall >= 0.95, (category, recall, report.misses)
    assert report.false_positive_rate <= 0.03, report.false_alarms


def test_regression_set_still_meets_the_targets(detector: SafeguardingDetector) -> None:
    report = evaluate(detector, load_dev_set(Path(__file__).with_name("regression_set.yml")))
    assert report.recall >= 0.98, report.misses
    for category, recall in report.recall_by_category.items():
        assert recall >= 0.95, (category, recall, report.misses)
    assert report.false_positive_rate <= 0.03, report.false_alarms


def test_flagged_dev_set_disclosures_mostly_get_their_own_category(
    detector: SafeguardingDetector, dev_set: list[dict]
) -> None:
    assert evaluate(detector, dev_set).category_agreement >= 0.85


def test_detection_is_fast(detector: SafeguardingDetector, dev_set: list[dict]) -> None:
    detector.detect("warm up")
    timings = []
    for item in dev_set[:200]:
        started = time.perf_counter()
        detector.detect(item["text"])
        timings.append((time.perf_counter() - started) * 1000)
    assert statistics.median(timings) < 20


def test_training_examples_do_not_copy_the_dev_set(dev_set: list[dict]) -> None:
    dev = [str(i["text"]).lower() for i in dev_set]
    for text, _ in load_examples():
        for other in dev:
            ratio = difflib.SequenceMatcher(None, text.lower(), other).ratio()
            assert ratio < 0.9, (text, other)


# -- specific behaviours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I feel safe",
        "nobody hurts me",
        "I'm not scared",
        "no one has ever hit me here",
        "i don't get bullied at this school",
        "i would never run away, i love it here",
    ],
)
def test_negated_statements_are_not_risks(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).risk is False


@pytest.mark.parametrize(
    "text",
    [
        "this homework is killing me lol",
        "I could murder a pizza",
        "dying of laughter",
        "I'd kill for chips",
        "my phone died",
        "that film was sick",
        "he beat me at pool again",
        "my battery is dead",
    ],
)
def test_figurative_uses_are_not_risks(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).risk is False


@pytest.mark.parametrize(
    "text",
    [
        "staff took my phone for no reason",
        "I'm not allowed to see my mum on Sunday",
        "the wifi is off at 10",
        "the food is rubbish",
        "Sam helped me with homework",
    ],
)
def test_everyday_complaints_and_compliments_are_not_risks(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).risk is False


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("kms", "self_harm_suicide"),
        ("wanna die", "self_harm_suicide"),
        ("been self harmin again", "self_harm_suicide"),
        ("ppl keep tellin me 2 kys", "bullying_threats"),
        ("im gonna run away 2nite", "going_missing"),
    ],
)
def test_text_speak_disclosures_are_caught(detector: SafeguardingDetector, text: str, category: str) -> None:
    detection = detector.detect(text)
    assert detection.risk is True
    assert detection.category == category


@pytest.mark.parametrize(
    "text",
    [
        "my friend is being hit by her stepdad",
        "my mate said her uncle touches her",
        "my friend is self harming",
        "a boy in my class is running drugs for older lads",
    ],
)
def test_third_person_disclosures_count_as_risk(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).risk is True


@pytest.mark.parametrize(
    "text",
    ["my last foster carer used to beat me", "when i was 7 my uncle raped me", "i overdosed last year"],
)
def test_past_harm_counts_as_risk(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).risk is True


def test_a_plan_with_means_and_a_time_is_immediate(detector: SafeguardingDetector) -> None:
    detection = detector.detect("I'm going to take all my pills tonight")
    assert detection == Detection(
        risk=True, category="self_harm_suicide", severity="immediate", matched=detection.matched
    )
    assert "self_harm_suicide/overdose_pills" in detection.matched


def test_the_most_severe_match_decides_the_category(detector: SafeguardingDetector) -> None:
    detection = detector.detect("they call me names at school and i'm going to jump off the bridge tonight")
    assert (detection.category, detection.severity) == ("self_harm_suicide", "immediate")


def test_harm_by_staff_is_staff_conduct(detector: SafeguardingDetector) -> None:
    detection = detector.detect("staff grabbed me and hurt my arm")
    assert (detection.risk, detection.category) == (True, "staff_conduct")


def test_telling_staff_about_a_parent_is_not_staff_conduct(detector: SafeguardingDetector) -> None:
    detection = detector.detect("i told staff that my dad hits me")
    assert (detection.risk, detection.category) == (True, "physical_abuse")


def test_as_dict_has_the_parse_result_shape(detector: SafeguardingDetector) -> None:
    as_dict = detector.detect("i want to die").as_dict()
    assert set(as_dict) == {"risk", "category", "severity", "matched"}
    assert as_dict["risk"] is True
    assert isinstance(as_dict["matched"], list) and all(isinstance(m, str) for m in as_dict["matched"])
    assert detector.detect("hiya").as_dict() == {"risk": False, "category": None, "severity": None, "matched": []}


@pytest.mark.parametrize("text", ["", "   ", "😀", "?!?!", "a" * 5000])
def test_odd_input_never_crashes(detector: SafeguardingDetector, text: str) -> None:
    assert isinstance(detector.detect(text), Detection)


def test_patterns_alone_catch_plain_disclosures(patterns_only: SafeguardingDetector) -> None:
    assert patterns_only.classifier is None
    assert patterns_only.detect("my dad hits me").risk is True
    assert patterns_only.detect("the food is rubbish").risk is False


def test_every_pattern_category_is_known_and_prioritised() -> None:
    book = RuleBook.from_yaml()
    assert {rule.category for rule in book.rules} == CATEGORIES
    assert set(book.category_priority) == CATEGORIES
    assert len({rule.key for rule in book.rules}) == len(book.rules), "pattern ids are unique per category"


# -- the learned part ----------------------------------------------------------------------------


def test_classifier_catches_a_disclosure_the_patterns_miss(
    detector: SafeguardingDetector, patterns_only: SafeguardingDetector
) -> None:
    text = "my dad gets angry and i end up with bruises"
    assert patterns_only.detect(text).risk is False
    detection = detector.detect(text)
    assert detection.risk is True
    assert any(m.startswith("classifier/") for m in detection.matched)


def test_classifier_training_is_deterministic_and_survives_save_and_load(
    patterns_only: SafeguardingDetector, tmp_path: Path
) -> None:
    examples = load_examples()
    first = RiskClassifier.train(examples, preprocess=patterns_only.normalise)
    second = RiskClassifier.train(examples, preprocess=patterns_only.normalise)
    path = tmp_path / "model.skops"
    first.save(path)
    loaded = RiskClassifier.load(path)
    for text in ["i want to go home", "he hurts me when i stay over", "can we have pizza"]:
        p1 = first.predict(text).risk_probability
        assert p1 == pytest.approx(second.predict(text).risk_probability)
        assert p1 == pytest.approx(loaded.predict(text).risk_probability)


@pytest.mark.parametrize(
    "text",
    [
        "I want to complain, staff took my phone for no reason",
        "they took my phone off me and i want it back",
        "keep it secret",
        "they went in my room without asking",
        "i want to talk to a grown up",
        "we need more plug sockets in the bedrooms",
        "im sick of being treated like a baby",
        "the food here is disgusting and theyve been told loads of times",
        "i want someone independent to help me",
    ],
)
def test_everyday_complaints_and_choices_are_not_alarms(detector: SafeguardingDetector, text: str) -> None:
    # Each of these once raised a false alert; the example complaint is the product's own.
    assert detector.detect(text).risk is False
