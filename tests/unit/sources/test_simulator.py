from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from hubbub.models import Post, UserDirectory
from hubbub.sources.simulator import WorldCupSimulator, construct_post
from hubbub.sources.users_pool import UserPool
from hubbub.sources.worldcup import matches

FINAL = datetime(2022, 12, 18, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def users() -> UserPool:
    return UserPool(seed=2022)


@pytest.fixture(scope="module")
def final_posts(users: UserPool) -> list[Post]:
    sim = WorldCupSimulator(start=FINAL - timedelta(hours=1), end=FINAL + timedelta(hours=4),
                            users=users)
    return list(sim.posts())


def window(users: UserPool, **kw) -> list[Post]:
    return [p for b in WorldCupSimulator(users=users, **kw).batches(1000) for p in b.posts]


def test_all_64_matches_with_real_kickoffs_and_goals():
    ms = matches()
    assert len(ms) == 64
    assert ms[0].home == "Qatar" and ms[0].kickoff == datetime(2022, 11, 20, 16, 0, tzinfo=UTC)
    final = ms[-1]
    assert (final.home, final.away, final.kickoff) == ("Argentina", "France", FINAL)
    assert [(g.minute, g.scorer) for g in final.goals] == [
        ("23", "Messi"), ("36", "Di María"), ("80", "Mbappé"), ("81", "Mbappé"),
        ("108", "Messi"), ("118", "Mbappé")]
    assert final.winner() == 0 and final.shootout == (4, 2)
    assert sum(1 for m in ms if m.shootout) == 5
    for m in ms:
        assert m.kickoff.hour in (10, 13, 15, 16, 19)
        assert sum(g.side == 0 for g in m.goals) == m.home_score
        assert sum(g.side == 1 for g in m.goals) == m.away_score
        assert m.duration >= max([g.offset for g in m.goals], default=0)
    slots = Counter(m.kickoff for m in ms if m.stage == "Group Stage" and m.number > 32)
    assert set(slots.values()) == {2}  # last group rounds: two matches at once


def test_same_seed_same_posts_other_seed_other_posts(users):
    kw = {"start": FINAL, "end": FINAL + timedelta(minutes=30)}
    a, b = window(users, seed=2022, **kw), window(users, seed=2022, **kw)
    assert len(a) > 100
    assert [(p.id, p.text, p.author_id) for p in a] == [(p.id, p.text, p.author_id) for p in b]
    c = window(users, seed=7, **kw)
    assert [p.text for p in a] != [p.text for p in c]


def test_resume_after_gives_the_rest_of_an_uninterrupted_run(users):
    kw = {"start": FINAL, "end": FINAL + timedelta(minutes=40)}
    full = window(users, **kw)
    cut = FINAL + timedelta(minutes=23, seconds=30, milliseconds=5)
    resumed = window(users, resume_after=cut, **kw)
    expected = [p for p in full if p.created_at > cut]
    assert 0 < len(resumed) < len(full)
    assert [(p.id, p.text) for p in resumed] == [(p.id, p.text) for p in expected]


def test_posts_are_valid_ordered_unique_and_arrive_without_user_data(final_posts):
    ids = [p.id for p in final_posts]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 19 and i.isdigit() for i in ids)
    assert [p.created_at for p in final_posts] == sorted(p.created_at for p in final_posts)
    for p in final_posts[::37]:
        assert Post.model_validate(p.model_dump()) == p
        assert p.source == "sim" and p.edit_history_tweet_ids == [p.id]
        assert p.needs_user() and p.location is None and p.verified is None
    sample = final_posts[5].model_dump()
    assert construct_post(dict(sample)) == Post.model_construct(**sample)


def test_retweets_replies_hashtags_languages(final_posts):
    by_id = {p.id: p for p in final_posts}
    rts = [p for p in final_posts if p.retweet_of_id]
    replies = [p for p in final_posts if p.in_reply_to_id]
    assert len(rts) > 0.1 * len(final_posts) and len(replies) > 0.03 * len(final_posts)
    for rt in rts[:50]:
        assert rt.text.startswith("RT @") and rt.text.endswith(by_id[rt.retweet_of_id].text)
    for r in replies[:50]:
        assert by_id[r.in_reply_to_id].conversation_id == r.conversation_id
        assert r.text.startswith("@" + r.mentions[0])
    langs = Counter(p.lang for p in final_posts)
    assert langs.most_common(1)[0][0] == "en"
    assert {"es", "pt", "fr", "ar", "ja"} <= set(langs)
    tags = Counter(t for p in final_posts for t in p.hashtags)
    assert {"ARGFRA", "WorldCup2022", "VamosArgentina"} <= set(tags)
    assert any(p.urls and "https://t.co/" in p.text for p in final_posts)
    assert any("Messi" in p.text for p in final_posts)


def test_fans_cheer_their_goals_and_rage_at_the_others(final_posts, users):
    # Mbappé 80' and 81' (wall clock ~16:38): France fans celebrate, Argentina fans despair
    goal = FINAL + timedelta(minutes=98)
    happy = ("GOAL", "goal", "legend", "Amazing", "happy")
    angry = ("Awful", "Terrible", "angry", "Disgraceful", "Worst", "Heartbroken")
    mood: dict[str, Counter] = {"France": Counter(), "Argentina": Counter()}
    for p in final_posts:
        if not goal <= p.created_at < goal + timedelta(minutes=5) or p.lang != "en":
            continue
        if p.retweet_of_id or p.in_reply_to_id:
            continue
        team = users.teams[users.index_of(p.author_id)]
        if team in mood:
            mood[team]["happy"] += any(w in p.text for w in happy)
            mood[team]["angry"] += any(w in p.text for w in angry)
    assert mood["France"]["happy"] > 2 * mood["France"]["angry"]
    assert mood["Argentina"]["angry"] > 2 * mood["Argentina"]["happy"]


def test_goals_spike_the_volume(users):
    sim = WorldCupSimulator(start=FINAL, end=FINAL + timedelta(hours=3), users=users, rate=3)
    counts = dict(sim.minute_counts())
    for g in matches()[-1].goals[:2]:  # 23' and 36'
        at = FINAL + timedelta(minutes=g.offset)
        before = sum(counts[at - timedelta(minutes=i)] for i in range(1, 4))
        after = sum(counts[at + timedelta(minutes=i)] for i in range(0, 3))
        assert after > 1.5 * before


def test_the_final_is_the_busiest_day_and_volume_fits_the_budget(users):
    sim = WorldCupSimulator(users=users)
    per_day: Counter = Counter()
    for minute, n in sim.minute_counts():
        per_day[minute.date()] += n
    assert len(per_day) == 29
    assert per_day.most_common(1)[0][0] == date(2022, 12, 18)
    assert 200_000 <= sum(per_day.values()) <= 400_000
    assert per_day[date(2022, 12, 8)] < per_day[date(2022, 12, 9)]  # rest day vs quarter-finals
    hours = Counter(m.hour for m, n in sim.minute_counts() for _ in range(n > 0))
    assert hours[4] < hours[18]


def test_minute_counts_match_generated_posts(users):
    kw = {"start": FINAL, "end": FINAL + timedelta(minutes=20), "users": users}
    counted = sum(n for _, n in WorldCupSimulator(**kw).minute_counts())
    assert counted == len(window(**kw))


def test_rate_scales_volume(users):
    kw = {"start": FINAL, "end": FINAL + timedelta(minutes=30), "users": users}
    one = sum(n for _, n in WorldCupSimulator(**kw).minute_counts())
    ten = sum(n for _, n in WorldCupSimulator(rate=10, **kw).minute_counts())
    assert 8 * one < ten < 12 * one


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone"):
        WorldCupSimulator(start=datetime(2022, 12, 18), users=UserPool(size=10))  # noqa: DTZ001


def test_user_pool_is_deterministic_messy_and_nigeria_leads(users):
    assert isinstance(users, UserDirectory) and len(users) == 50_000
    again = UserPool(size=500, seed=2022)
    assert again.ids == UserPool(size=500, seed=2022).ids
    assert again.ids != UserPool(size=500, seed=1).ids
    nations = Counter(users.nations)
    assert nations.most_common(1)[0][0] == "NG"
    assert {"US", "GB", "IN", "AR", "BR", "MX", "FR", "ES", "MA", "QA", "SA", "GH", "JP"} <= set(
        nations)
    locs = Counter(users.locations)
    for messy in ("Lagos, Nigeria", "Naija 🇳🇬", "Abuja", "London", "São Paulo", "somewhere",
                  "he/him", "", None, "東京", "Texas"):
        assert locs[messy] > 0, messy
    assert len(set(users.usernames)) == len(users)
    u = users.get_users([users.ids[3], "nope", users.ids[1]])
    assert [x.id for x in u] == [users.ids[3], users.ids[1]]
    assert u[0].profile_image_url.endswith(u[0].username)
    assert users.true_country(users.ids[3]) == users.nations[3]
    assert users.true_country("nope") is None
    assert 0 < sum(users.verified) < 0.05 * len(users)
