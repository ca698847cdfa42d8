"""The fast VADER port must score exactly like vaderSentiment 3.3.2, cached or not."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from hubbub.enrich import _vader_core
from hubbub.enrich.sentiment import SentimentScorer, label_for

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vader"
TWEETS_SHA256 = "dfbe7102e2f92579ed8b19df9a3822491880697c67adf712fb66e520cc05102f"
TOLERANCE = 1e-9


def load_ground_truth(name: str) -> list[str]:
    lines = (FIXTURES / name).read_text(encoding="latin-1").splitlines()
    return [line.split("\t", 2)[2] for line in lines if line.strip()]


@pytest.fixture(scope="module")
def reference() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@pytest.fixture(params=[0, 100_000], ids=["no-cache", "cache"])
def scorer(request: pytest.FixtureRequest) -> SentimentScorer:
    return SentimentScorer(cache_size=request.param)


def assert_same_as_reference(
    texts: list[str], scorer: SentimentScorer, reference: SentimentIntensityAnalyzer
) -> None:
    expected = [reference.polarity_scores(t)["compound"] for t in texts]
    got = scorer.score_many(texts)
    diffs = [(abs(e - g[0]), t, e, g[0]) for t, e, g in zip(texts, expected, got, strict=True)]
    worst = max(diffs, default=(0.0, "", 0.0, 0.0))
    assert worst[0] <= TOLERANCE, f"{worst[1]!r}: reference {worst[2]}, ours {worst[3]}"
    assert [g[1] for g in got] == [label_for(e) for e in expected]
    # one at a time, and a second pass (served from the cache when it is on)
    assert [scorer.compound(t) for t in texts] == [g[0] for g in got]
    assert [scorer.score(t) for t in texts] == got


def test_tweet_fixture_is_the_published_file() -> None:
    data = (FIXTURES / "tweets_GroundTruth.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == TWEETS_SHA256


def test_all_4200_tweets_match_vader(
    scorer: SentimentScorer, reference: SentimentIntensityAnalyzer
) -> None:
    tweets = load_ground_truth("tweets_GroundTruth.txt")
    assert len(tweets) == 4200
    assert_same_as_reference(tweets, scorer, reference)


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("amazonReviewSnippets_GroundTruth.txt", 3708),
        ("nytEditorialSnippets_GroundTruth.txt", 5190),
    ],
)
def test_other_ground_truth_sets_match_vader(
    name: str, count: int, reference: SentimentIntensityAnalyzer
) -> None:
    texts = load_ground_truth(name)
    assert len(texts) == count
    assert_same_as_reference(texts, SentimentScorer(cache_size=0), reference)


TRICKY = [
    # empty, whitespace, punctuation only
    "",
    " ",
    "\n\t ",
    "!!!",
    "?? !!",
    "...",
    ":)",
    ":-(",
    "(-:",
    # caps differential
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "GOOD",
    "GOOD BAD",
    "I AM SO HAPPY",
    "I am SO happy",
    "it is EXTREMELY good",
    "it is EXTREMELY bad",
    "NO good",
    "I love it 123",
    # negation at various distances
    "not bad",
    "Not bad at all",
    "not a bad movie",
    "not a very bad movie",
    "not really a bad movie at all",
    "isn't good",
    "it wasn't very good",
    "I don't think it is good",
    "never so good",
    "never this good",
    "never been good",
    "this is so good",
    "without doubt good",
    "without a doubt good",
    "Without a doubt, an excellent idea.",
    "no good",
    "no no good",
    "no problem",
    "no, not good",
    "no or good",
    "no cake or good",
    "no cake nor good",
    "nope nothing good",
    # "but", including the list.index quirk (repeated / coinciding values)
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "good good but good",
    "great good but good",
    "good but",
    "but good",
    "bad but BUT good",
    "love love but hate hate",
    "Today only kinda sux! But I'll get by, lol",
    # kind of / sort of / least
    "The book was only kind of good.",
    "it is kind of bad",
    "kind",
    "she is kind",
    "he was kind of",
    "it was sort of fun",
    "just enough fun for me",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "very least good",
    "least good",
    "the least good",
    # idioms (SPECIAL_CASES is live; SENTIMENT_LADEN_IDIOMS is not)
    "With VADER, sentiment analysis is the shit!",
    "Most automated sentiment analysis tools are shit.",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "oh yeah right that is great",
    "that is a kiss of death for sure",
    "this cake is to die for",
    "wait at the bus stop happy",
    "my beating heart is happy",
    "he cut the mustard",
    "living hand to mouth",
    # "!" / "?" amplification
    "good!",
    "good!!",
    "good!!!!",
    "good!!!!!!!!",
    "bad???",
    "good?",
    "good??",
    "good????",
    "good ?!?!?!",
    # emoji, including ones whose description carries "!"
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "😁",
    "😁😁😁",
    "I am happy😁",
    "sad😢and happy😁",
    "🔛 great",
    "🆙 good",
    "👍🏽 nice",
    "🇺🇸 love",
    "❤️ it",
    # non-English, unicode edge cases
    "Je suis surpris de voir comment VADER est incroyablement utile !",
    "Я удивлен увидеть, как раз как удивительно полезно ВЕЙДЕРА!",
    "私はちょうどどのように驚くほど役に立つベイダーを見て驚いています!",
    "我很惊讶地看到VADER是如此有用!",
    "İa! good",
    "ΟΔΟΣ. good",
    "ﬁne good",
    "good\u00a0bad",
    "good\u2028bad\x1cnice",
    # URLs, hashtags, mentions
    "check https://t.co/abc?x=good&y=bad great",
    "http://example.com/love",
    "#happy #sad @goodguy",
    "#love it",
    "'good' \"bad\" (nice) [great]",
    "don't",
    "can't stand it",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_cases_match_vader(
    text: str, scorer: SentimentScorer, reference: SentimentIntensityAnalyzer
) -> None:
    assert_same_as_reference([text], scorer, reference)


def random_texts(seed: int, n: int, reference: SentimentIntensityAnalyzer) -> list[str]:
    """Word salad dense in everything the rules react to (hypothesis is not a dependency)."""
    rng = random.Random(seed)
    lexicon = sorted(reference.lexicon)
    emoji = sorted(k for k in reference.emojis if len(k) == 1)
    boosters = sorted(BOOSTER_DICT)
    idiom_words = " ".join([*SPECIAL_CASES, *(k for k in BOOSTER_DICT if " " in k)]).split()
    rule_words = "no or nor but kind of least at very never so this without doubt n't".split()
    odd = ["!", "!!", "???", "?", "...", ":)", ":(", "#happy", "@bob", "http://t.co/x?y=1"]
    odd += ["İa!", "ΟΔΟΣ.", "ﬁne", "é", "こんにちは", "--", "'", "I", "the", "a", "12"]
    pools = [lexicon, boosters, NEGATE, rule_words, idiom_words, emoji, odd]
    weights = [30, 10, 8, 15, 7, 8, 22]

    def token() -> str:
        word = rng.choice(rng.choices(pools, weights)[0])
        roll = rng.random()
        if roll < 0.2:
            word = word.upper()
        elif roll < 0.25:
            word = word.title()
        roll = rng.random()
        if roll < 0.1:
            word += rng.choice(["!", ".", ",", "?!", "!!!", '"'])
        elif roll < 0.15:
            word = rng.choice(['"', "(", "#", "*"]) + word
        return word

    joiners = [" ", " ", " ", "", "\n", "  "]
    return [rng.choice(joiners).join(token() for _ in range(rng.randint(0, 14))) for _ in range(n)]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_texts_match_vader(
    seed: int, scorer: SentimentScorer, reference: SentimentIntensityAnalyzer
) -> None:
    assert_same_as_reference(random_texts(seed, 5_000, reference), scorer, reference)


def test_token_memo_eviction_does_not_change_answers(
    monkeypatch: pytest.MonkeyPatch, reference: SentimentIntensityAnalyzer
) -> None:
    monkeypatch.setattr(_vader_core, "TOKEN_MEMO_MAX", 50)
    _vader_core.clear_token_memo()
    texts = load_ground_truth("tweets_GroundTruth.txt")[:500]
    assert_same_as_reference(texts, SentimentScorer(cache_size=0), reference)
    assert len(_vader_core._TOKEN_FORMS) <= 50


def test_cache_serves_repeats_and_can_be_disabled() -> None:
    cached = SentimentScorer(cache_size=2)
    texts = ["good", "bad", "good", "meh", "good"]
    results = cached.score_many(texts)
    assert results == SentimentScorer(cache_size=0).score_many(texts)
    # "good" is a hit twice: LRU keeps it while "meh" evicts "bad"
    assert "hits=2, misses=3" in cached.cache_info()
    assert "maxsize=2" in cached.cache_info()
    assert SentimentScorer(cache_size=0).cache_info() == "disabled"
    assert results[0] == results[2] == (0.4404, "positive")
    with pytest.raises(ValueError):
        SentimentScorer(cache_size=-1)


@pytest.mark.parametrize(
    ("compound", "label"),
    [
        (0.05, "positive"),
        (0.0501, "positive"),
        (1.0, "positive"),
        (0.0499, "neutral"),
        (0.0, "neutral"),
        (-0.0499, "neutral"),
        (-0.05, "negative"),
        (-1.0, "negative"),
    ],
)
def test_label_thresholds(compound: float, label: str) -> None:
    assert label_for(compound) == label


def test_score_many_keeps_order_and_handles_empty() -> None:
    scorer = SentimentScorer()
    assert scorer.score_many([]) == []
    out = scorer.score_many(["I love it", "I hate it", "a table"])
    assert [label for _, label in out] == ["positive", "negative", "neutral"]
    assert scorer.score("") == (0.0, "neutral")
