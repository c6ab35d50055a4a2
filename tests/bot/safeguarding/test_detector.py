"""The safeguarding detector on the labelled sets and on specific behaviours."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.safeguarding.classifier import DEFAULT_TRAINING_DIR, NONE_LABEL, RiskClassifier, load_examples
from bot.safeguarding.detector import CONCERN, NONE, RISK, Detection, SafeguardingDetector
from bot.safeguarding.rules import DEFAULT_PATTERNS_PATH, RuleBook, load_yaml
from scripts.safeguarding_sets import CATEGORIES, DANGER_WORDS, Outcome, Score, load_items, score

SETS = Path(__file__).parent
# Issue 14's targets: a person sees (alert or concern) at least 98% of disclosures; live alerts on
# at most 3% of ordinary messages, concerns on at most 8%; never `immediate` without a danger word.
SEEN_TARGET = 0.98
CATEGORY_TARGET = 0.9  # 15 to 36 messages a category: one miss in 16 is 0.94
ALERT_RATE_TARGET = 0.03
CONCERN_RATE_TARGET = 0.08


def _score(detector: SafeguardingDetector, name: str) -> Score:
    items = load_items(SETS / name)
    return score([(i, Outcome.from_parse(detector.detect(i.text).as_dict())) for i in items])


# -- the labelled sets: a person must see every disclosure; ordinary messages must rarely alarm -------


@pytest.mark.parametrize("name", ["dev_set.yml", "regression_set.yml", "fresh_batch_1.yml"])
def test_every_set_meets_the_targets(detector: SafeguardingDetector, name: str) -> None:
    result = _score(detector, name)
    misses = [(i.category, i.text) for i in result.misses]
    assert result.seen() >= SEEN_TARGET, misses
    for category, counts in result.by_category.items():
        assert (counts[RISK] + counts[CONCERN]) / sum(counts.values()) >= CATEGORY_TARGET, (category, misses)
    assert result.ordinary_rate(RISK) <= ALERT_RATE_TARGET, [i.text for i, _ in result.false_alerts]
    assert result.ordinary_rate(CONCERN) <= CONCERN_RATE_TARGET, [i.text for i, _ in result.false_concerns]
    assert result.immediate_without_danger_word == []


def test_the_second_fresh_batch_stays_at_least_where_its_first_run_was(detector: SafeguardingDetector) -> None:
    # First run 0.900 seen (its hints were the gap: 34 of 50), 0.6% alerted, 5% concerns; 0.976 after cue
    # patterns for what it missed. This guards against sliding back; the margin allows for retraining
    # on another machine.
    result = _score(detector, "fresh_batch_2.yml")
    assert result.seen() >= 0.96, [(i.category, i.text) for i in result.misses]
    assert result.by_strength["clear"][NONE] <= 2, [(i.category, i.text) for i in result.misses]
    assert result.ordinary_rate(RISK) <= ALERT_RATE_TARGET, [i.text for i, _ in result.false_alerts]
    assert result.ordinary_rate(CONCERN) <= CONCERN_RATE_TARGET, [i.text for i, _ in result.false_concerns]
    assert result.immediate_without_danger_word == []


def test_the_sets_cover_every_category() -> None:
    for name in ("dev_set.yml", "regression_set.yml", "fresh_batch_1.yml", "fresh_batch_2.yml"):
        items = load_items(SETS / name)
        assert {i.category for i in items if i.is_disclosure} == set(CATEGORIES), name
        assert sum(not i.is_disclosure for i in items) >= 150, name


def test_flagged_disclosures_mostly_get_their_own_category(detector: SafeguardingDetector) -> None:
    result = _score(detector, "dev_set.yml")
    flagged = result.n_disclosures - len(result.misses)
    assert result.same_category / flagged >= 0.8


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
def test_negated_statements_are_not_alerts(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).level != RISK


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
def test_figurative_uses_raise_nothing(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).level == NONE


@pytest.mark.parametrize(
    "text",
    [
        "staff took my phone for no reason",
        "I'm not allowed to see my mum on Sunday",
        "the wifi is off at 10",
        "the food is rubbish",
        "Sam helped me with homework",
        "I want to complain, staff took my phone for no reason",
        "we need more plug sockets in the bedrooms",
        "the food here is disgusting and theyve been told loads of times",
        "can i have a lock on my door so my brother stops nicking my stuff",
        "need to pay my mate back for the cinema",
        "can i have my passport for the school trip to france",
    ],
)
def test_everyday_complaints_and_compliments_raise_nothing(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).level == NONE


@pytest.mark.parametrize(
    "text",
    [
        # Kinds of message that once raised false alarms (issue 14), in words of our own.
        "honestly this house is way better than where i was before, the staff there never cooked",
        "the scrabble set is missing half the letters and the dice for ludo are gone",
        "we're planning a surprise party for Kayla, keep it secret",
        "my nan won't tell anyone the secret ingredient in her gravy",
        "got loads of bruises on my legs from rugby today but we won",
        "the shower was lovely and hot this morning for once",
        "we read a book in english about a lad who gets bullied, it was good",
        "nobody has got back to me about my complaint from last week",
        "i want someone independent to help me with my complaint",
        "I want to talk to an advocate",
    ],
)
def test_everyday_words_that_sound_alarming_raise_no_alert(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).level != RISK


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
def test_text_speak_disclosures_are_alerts(detector: SafeguardingDetector, text: str, category: str) -> None:
    detection = detector.detect(text)
    assert (detection.level, detection.category) == (RISK, category)


@pytest.mark.parametrize(
    "text",
    [
        "my friend is being hit by her stepdad",
        "my mate said her uncle touches her",
        "my friend is self harming",
        "a boy in my class is running drugs for older lads",
    ],
)
def test_third_person_disclosures_are_alerts(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).level == RISK


@pytest.mark.parametrize(
    "text",
    [
        "my mums boyfriend sneaks in when im asleep",
        "theres a bloke who stays at my nans and he comes in at night",
        "one of my dads mates comes in at nite when everyone is asleep",
    ],
)
def test_an_adult_outside_the_familys_care_coming_in_at_night_is_an_alert(
    detector: SafeguardingDetector, text: str
) -> None:
    assert detector.detect(text).level == RISK


@pytest.mark.parametrize(
    "text",
    ["he comes in at night", "my dads friend comes in at night from work", "my mate comes in at night to play xbox"],
)
def test_coming_in_at_night_without_an_adult_named_is_not_that_pattern(
    patterns_only: SafeguardingDetector, text: str
) -> None:
    # The classifier still reads these; the pattern needs an adult from outside the family's care.
    assert "sexual_abuse/adult_comes_in_at_night" not in patterns_only.pattern_matches(text)[0]


@pytest.mark.parametrize(
    "text",
    ["my last foster carer used to beat me", "when i was 7 my uncle raped me", "i overdosed last year"],
)
def test_past_harm_is_an_alert(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).level == RISK


@pytest.mark.parametrize(
    "text",
    [
        "something happened and i cant tell you what",
        "can someone make sure im never on my own with one of the night staff",
        "i have a new friend who gives me stuff",
        "ive got a bruise on my neck dont ask",
        # cues asked as innocent questions or told in passing (fresh batch 2's misses, worded anew)
        "can i have a lock on my bedroom door, i dont feel safe at night",
        "please can someone pick me up from school instead from now on",
        "i want to take a different way home cos theyre always waiting",
        "theres never any clean uniform for school",
        "a man at the park was taking pictures of us on the climbing frame",
        "my gf is way older than me but its fine",
        "i need to pay them back before the weekend or else",
        "the game is just ours he said",
    ],
)
def test_a_vague_hint_is_seen_by_a_person(detector: SafeguardingDetector, text: str) -> None:
    assert detector.detect(text).level in (CONCERN, RISK)


def test_a_disclosure_in_the_middle_of_a_long_complaint_is_not_diluted(detector: SafeguardingDetector) -> None:
    text = (
        "can we please get a new kettle the one in the kitchen takes ages and the lid is broken. "
        "my uncle keeps coming in the bathroom when im in the bath at contact. "
        "also the wifi in the top rooms is really slow at night and i cant do my homework"
    )
    assert detector.detect(text).level == RISK


def test_a_plan_with_means_and_a_time_is_immediate(detector: SafeguardingDetector) -> None:
    detection = detector.detect("I'm going to take all my pills tonight")
    assert (detection.level, detection.category, detection.severity) == (RISK, "self_harm_suicide", "immediate")
    assert "self_harm_suicide/overdose_pills" in detection.matched


def test_immediate_needs_a_word_of_danger(detector: SafeguardingDetector) -> None:
    detection = detector.detect("goodbye forever everyone")
    assert detection.severity != "immediate"


def test_the_most_severe_match_decides_the_category(detector: SafeguardingDetector) -> None:
    detection = detector.detect("they call me names at school and i'm going to jump off the bridge tonight")
    assert (detection.category, detection.severity) == ("self_harm_suicide", "immediate")


def test_harm_by_staff_is_staff_conduct(detector: SafeguardingDetector) -> None:
    detection = detector.detect("staff grabbed me and hurt my arm")
    assert (detection.level, detection.category) == (RISK, "staff_conduct")


def test_telling_staff_about_a_parent_is_not_staff_conduct(detector: SafeguardingDetector) -> None:
    detection = detector.detect("i told staff that my dad hits me")
    assert (detection.level, detection.category) == (RISK, "physical_abuse")


def test_as_dict_has_the_contract_shape(detector: SafeguardingDetector) -> None:
    as_dict = detector.detect("i want to die").as_dict()
    assert set(as_dict) == {"risk", "level", "category", "severity", "matched"}
    assert (as_dict["risk"], as_dict["level"]) == (True, "risk")
    assert isinstance(as_dict["matched"], list) and all(isinstance(m, str) for m in as_dict["matched"])
    quiet = {"risk": False, "level": "none", "category": None, "severity": None, "matched": []}
    assert detector.detect("hiya").as_dict() == quiet


def test_a_concern_is_never_a_risk(detector: SafeguardingDetector) -> None:
    as_dict = detector.detect("something happened and i cant tell you what").as_dict()
    assert as_dict["level"] != CONCERN or as_dict["risk"] is False


@pytest.mark.parametrize("text", ["", "   ", "😀", "?!?!", "a" * 5000, "🔪" * 300])
def test_odd_input_never_crashes(detector: SafeguardingDetector, text: str) -> None:
    assert isinstance(detector.detect(text), Detection)


def test_patterns_alone_catch_plain_disclosures(patterns_only: SafeguardingDetector) -> None:
    assert patterns_only.classifier is None
    assert patterns_only.detect("my dad hits me").level == RISK
    assert patterns_only.detect("the food is rubbish").level == NONE


def test_every_pattern_category_is_known_and_prioritised() -> None:
    book = RuleBook.from_yaml()
    assert {rule.category for rule in book.rules} == set(CATEGORIES)
    assert set(book.category_priority) == set(CATEGORIES)
    assert len({rule.key for rule in book.rules}) == len(book.rules), "pattern ids are unique per category"


def test_a_frame_for_some_patterns_must_name_real_ones(tmp_path: Path) -> None:
    data = load_yaml(DEFAULT_PATTERNS_PATH)
    data["frames"][0]["rules"] = ["self_harm_suicide/no_such_pattern"]
    path = tmp_path / "patterns.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match="no_such_pattern"):
        RuleBook.from_yaml(path)


# -- issue 10: precision without losing recall (the patterns alone: these need no trained model) ----


@pytest.mark.parametrize(
    "text",
    [
        # praise: "dead good" and "killing it" hold danger words, but not as danger
        "she's dead good, gonna miss her loads, goodbye forever",
        "you lot have been killing it all year, goodbye forever x",
    ],
)
def test_praise_is_never_immediate_through_a_figurative_danger_word(
    patterns_only: SafeguardingDetector, text: str
) -> None:
    assert patterns_only.detect(text).severity != "immediate"


def test_a_real_danger_word_still_makes_a_farewell_immediate(patterns_only: SafeguardingDetector) -> None:
    detection = patterns_only.detect("goodbye forever, i've got the pills ready")
    assert (detection.level, detection.severity) == (RISK, "immediate")


def test_no_ordinary_training_message_is_immediate_without_a_danger_word(patterns_only: SafeguardingDetector) -> None:
    ordinary = [e.text for e in load_examples() if e.label == NONE_LABEL]
    immediate = [t for t in ordinary if patterns_only.detect(t).severity == "immediate" and not DANGER_WORDS.search(t)]
    assert immediate == []


@pytest.mark.parametrize(
    "text",
    [
        # the false alarms issue 10 reports (its own words where it gave them), and more of the same kind
        "gonna miss her forever when she leaves, best keyworker, goodbye forever x",
        "its Dan's last shift on sunday, goodbye forever Dan, best night staff ever",
        "my room has damp and mould on the walls and its freezing",
        "I still haven't heard about my complaint",  # already quiet before issue 10: stays so
        "i think my complaint went missing, nobody got back to me",
        "havent heard anything since i complained about my room, has it got lost",
        "I want to beat my high score",
        "gonna smash my pb at parkrun saturday",
    ],
)
def test_issue_10_false_alarms_raise_nothing(patterns_only: SafeguardingDetector, text: str) -> None:
    assert patterns_only.detect(text).level == NONE


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # the same words with harm to a child said: still an alert
        ("the mould in my room is that bad my asthma keeps getting worse and nobody does owt", "neglect"),
        ("theres been no food at my dads for two days", "neglect"),
        ("they left me locked out all night after contact", "neglect"),
        ("the window wont shut and its freezing at night, i sleep in my coat", "neglect"),
        ("goodbye forever everyone, im sorry", "self_harm_suicide"),
        ("my boyfriend is leaving me so goodbye forever", "self_harm_suicide"),
        ("my mate went missing from her placement again and her phones off", "going_missing"),
    ],
)
def test_harm_in_the_same_words_is_still_an_alert(
    patterns_only: SafeguardingDetector, text: str, category: str
) -> None:
    detection = patterns_only.detect(text)
    assert (detection.level, detection.category) == (RISK, category)


@pytest.mark.parametrize(
    "text",
    [
        "my teacher messages me on insta at night and says im special and not to tell anyone",  # issue 10's miss
        # told as good news
        "coach is honestly the best, he buys me boots and says im his favourite, its just between us",
        "my tutor snaps me every night and tells me to delete them after",
        "the youth worker says im so mature for 14 and we have a special connection",
        "my mentor wants me to go to his house on my own and says keep it quiet",
    ],
)
def test_grooming_by_an_adult_in_a_position_of_trust_is_grooming(
    patterns_only: SafeguardingDetector, text: str
) -> None:
    detection = patterns_only.detect(text)
    assert (detection.level, detection.category) == (RISK, "sexual_exploitation_grooming")


def test_grooming_by_staff_of_the_home_is_an_allegation_against_staff(patterns_only: SafeguardingDetector) -> None:
    detection = patterns_only.detect("one of the night staff snaps me at midnight and says im his favourite")
    assert (detection.level, detection.category) == (RISK, "staff_conduct")


@pytest.mark.parametrize(
    "text",
    [
        "my teacher says im her favourite because i always hand my homework in",
        "coach gave me a lift home cos it was raining and staff said it was fine",
        "my key worker said keep it quiet cos the little ones are asleep",
        "the teacher texts the home every friday to say how my week went",
    ],
)
def test_kind_adults_are_not_grooming(patterns_only: SafeguardingDetector, text: str) -> None:
    assert patterns_only.detect(text).level == NONE


def test_the_precision_training_messages_hold_for_the_patterns_alone(patterns_only: SafeguardingDetector) -> None:
    """Issue 10's written look-alikes rarely alarm and its grooming disclosures are mostly seen, with
    patterns alone (the classifier learns the rest): a guard against a pattern change undoing the issue."""
    items = yaml.safe_load((DEFAULT_TRAINING_DIR / "precision.yml").read_text(encoding="utf-8"))["items"]
    ordinary = [i["text"] for i in items if i["label"] == NONE_LABEL]
    alarmed = [t for t in ordinary if patterns_only.detect(t).level != NONE]
    assert len(alarmed) <= 0.02 * len(ordinary), alarmed
    grooming = [i["text"] for i in items if i["label"] == "sexual_exploitation_grooming"]
    missed = [t for t in grooming if patterns_only.detect(t).level == NONE]
    assert len(missed) <= 0.1 * len(grooming), missed


# -- the learned part ----------------------------------------------------------------------------


def test_the_classifier_catches_a_disclosure_the_patterns_miss(
    detector: SafeguardingDetector, patterns_only: SafeguardingDetector
) -> None:
    text = "my dad gets angry and i end up with bruises"
    assert patterns_only.detect(text).level == NONE
    detection = detector.detect(text)
    assert detection.level == RISK
    assert any(m.startswith("classifier/") for m in detection.matched)


def test_the_shipped_classifier_has_both_models(detector: SafeguardingDetector) -> None:
    assert detector.classifier is not None and detector.classifier.encoder is not None


def test_word_model_training_is_deterministic_and_survives_save_and_load(
    patterns_only: SafeguardingDetector, tmp_path: Path
) -> None:
    # Every fifth message: the property does not depend on the amount, and the whole set takes minutes.
    examples = load_examples()[::5]
    first = RiskClassifier.train(examples, preprocess=patterns_only.normalise, use_encoder=False)
    second = RiskClassifier.train(examples, preprocess=patterns_only.normalise, use_encoder=False)
    first.save(tmp_path)
    loaded = RiskClassifier.load(tmp_path)
    for text in ["i want to go home", "he hurts me when i stay over", "can we have pizza"]:
        p1 = first.predict(text).risk_probability
        assert p1 == pytest.approx(second.predict(text).risk_probability)
        assert p1 == pytest.approx(loaded.predict(text).risk_probability)


def test_probabilities_are_calibrated_on_unseen_messages(detector: SafeguardingDetector) -> None:
    """Of the held-back messages given about 0.8, about 8 in 10 are disclosures (bands mean something)."""
    items = load_items(SETS / "heldback.yml")
    assert detector.classifier is not None
    predictions = detector.classifier.predict_many([detector.normalise(i.text) for i in items])
    high = [i.is_disclosure for i, p in zip(items, predictions, strict=True) if p.risk_probability >= 0.7]
    low = [i.is_disclosure for i, p in zip(items, predictions, strict=True) if p.risk_probability < 0.3]
    assert sum(high) / len(high) >= 0.8
    assert sum(low) / len(low) <= 0.2
