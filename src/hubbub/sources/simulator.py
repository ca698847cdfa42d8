"""The World Cup 2022 simulator: a deterministic, realistic stream of fans' posts.

Volume follows the real tournament (:mod:`hubbub.sources.worldcup`): build-up before each of
the 64 matches, a plateau during play, spikes after every goal, reactions after the final
whistle, a daily rhythm, and the final on 18 Dec as the busiest day. Authors come from a
:class:`~hubbub.sources.users_pool.UserPool`; fans write about their own team, in their own
language, happy when their side scores and angry when it concedes. Posts arrive without user
data (only ``author_id``), as from the original stream: the enricher looks users up.

Every minute is generated from its own RNG seeded by ``(seed, minute)``, so a run is the same
for the same seed whatever the range, and ``resume_after`` skips ahead in O(minutes).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hubbub.models import Metrics, Post, construct_complete
from hubbub.sources.base import Source, SourceBatch
from hubbub.sources.texts import links, tags_for, templates
from hubbub.sources.users_pool import UserPool
from hubbub.sources.worldcup import Match, Team, VolumeModel, teams, utc_minute

TOURNAMENT_START = date(2022, 11, 20)
TOURNAMENT_END = date(2022, 12, 18)  # inclusive: the day of the final
TWEPOCH_MS = 1288834974657  # X's snowflake epoch: ids look like real 19-digit tweet ids
RETWEET_SHARE = 0.22
REPLY_SHARE = 0.08
FAN_SHARE = 0.75  # of a match's posts, written by fans of the side they talk about
GOAL_MOOD_MINUTES = 8

_new = object.__new__
_set = object.__setattr__
# Shared by every simulated post: all fields are set, so BaseModel.__setattr__'s ``add`` is a
# no-op on it.
_POST_FIELDS = set(Post.model_fields)
_METRIC_FIELDS = set(Metrics.model_fields)


def construct_post(fields: dict[str, object]) -> Post:
    """A ``Post`` from a dict that sets every field, without validation (see construct_complete)."""
    return construct_complete(Post, fields)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (normal approximation above 30)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass(slots=True)
class _Side:
    """One side of a match as its fans see it this minute (or a fan's team, off-match)."""

    team: Team
    mood: str
    slots: dict[str, str]
    tags: tuple[str, ...]
    supporters: list[int]


def _match_minute(t: int) -> str:
    """The match clock shown at ``t`` wall-clock minutes after kick-off (approximate)."""
    if t <= 47:
        return str(max(t, 1))
    if t <= 63:
        return "45"
    if t <= 110:
        return str(min(t - 18, 90))
    return str(min(t - 30, 120))


def _bound(value: date | datetime, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("start/end/resume_after must be timezone-aware datetimes (or dates)")
        return value.astimezone(UTC)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0), tzinfo=UTC)


class WorldCupSimulator(Source):
    """Posts about the World Cup 2022 from ``start`` to ``end``, identical for the same seed.

    ``start`` and ``end`` are UTC dates or aware datetimes; a date ``end`` is inclusive (the
    whole day), a datetime ``end`` is exclusive. ``rate`` scales the volume (1.0 ≈ 300k posts
    for the whole tournament). Posts with ``created_at <= resume_after`` are not generated;
    the later ones are the same as in an uninterrupted run.
    """

    name = "sim"

    def __init__(
        self,
        seed: int = 2022,
        start: date | datetime = TOURNAMENT_START,
        end: date | datetime = TOURNAMENT_END,
        rate: float = 1.0,
        users: UserPool | None = None,
        resume_after: datetime | None = None,
    ) -> None:
        if rate < 0:
            raise ValueError("rate must be >= 0")
        self.seed = seed
        self.rate = rate
        self.start = _bound(start, end=False)
        self.end = _bound(end, end=True)
        self.resume_after = _bound(resume_after, end=False) if resume_after else None
        self.users = users if users is not None else UserPool(seed=seed)
        self.volume = VolumeModel()
        self._templates = templates()
        self._tags = {lang: tags_for(lang) for lang in self._templates}
        self._links = links()
        self._general = {
            name: _Side(t, "general", self._slots(t, t, "0-0", "1", ""), t.hashtags,
                        self.users.supporters.get(name, []))
            for name, t in teams().items()
        }
        self._pool_teams = [self._general[name] for name in self.users.teams]
        self._fixed_sides: dict[tuple[int, bool], tuple[_Side, _Side, float]] = {}

    @staticmethod
    def _slots(team: Team, opp: Team, score: str, minute: str, scorer: str) -> dict[str, str]:
        return {"team": team.name, "opp": opp.name, "score": score, "minute": minute,
                "scorer": scorer or team.players[0], "player": team.players[0]}

    # -- time ------------------------------------------------------------------------------
    def minutes(self) -> Iterator[datetime]:
        """The minutes this run covers (from ``resume_after``'s minute when resuming)."""
        lo = self.start
        if self.resume_after and self.resume_after > lo:
            lo = self.resume_after
        minute = utc_minute(lo)
        step = timedelta(minutes=1)
        while minute < self.end:
            yield minute
            minute += step

    def _rng(self, minute: datetime) -> random.Random:
        return random.Random((self.seed << 32) + int(minute.timestamp()) // 60)

    def minute_counts(self) -> Iterator[tuple[datetime, int]]:
        """How many posts each minute generates (whole minutes), without generating them:
        the fast path for volume checks (same draw as :meth:`posts`)."""
        for minute in self.minutes():
            yield minute, poisson(self._rng(minute), self.volume.expected(minute) * self.rate)

    # -- posts -----------------------------------------------------------------------------
    def posts(self) -> Iterator[Post]:
        lo = self.start
        if self.resume_after and self.resume_after >= lo:
            lo = self.resume_after + timedelta(microseconds=1)
        for minute in self.minutes():
            posts = self.minute_posts(minute)
            if posts and (posts[0].created_at < lo or posts[-1].created_at >= self.end):
                posts = [p for p in posts if lo <= p.created_at < self.end]
            yield from posts

    def batches(self, size: int) -> Iterator[SourceBatch]:
        if size < 1:
            raise ValueError("batch size must be >= 1")
        buf: list[Post] = []
        for post in self.posts():
            buf.append(post)
            if len(buf) >= size:
                yield SourceBatch(buf, [])
                buf = []
        if buf:
            yield SourceBatch(buf, [])

    def _sides(self, match: Match, minute: datetime) -> tuple[_Side, _Side, float]:
        t = int((minute - match.kickoff).total_seconds() // 60)
        if 0 <= t <= match.duration:  # the moods and slots change every minute of play
            return self._make_sides(match, t)
        key = (match.number, t < 0)  # before and after, they stay the same
        sides = self._fixed_sides.get(key)
        if sides is None:
            sides = self._fixed_sides[key] = self._make_sides(match, t)
        return sides

    def _make_sides(self, match: Match, t: int) -> tuple[_Side, _Side, float]:
        tm = teams()
        home, away = tm[match.home], tm[match.away]
        score = match.score_at(t) if t <= match.duration else (match.home_score, match.away_score)
        recent = next((g for g in reversed(match.goals)
                       if g.offset <= t < g.offset + GOAL_MOOD_MINUTES), None)
        winner = match.winner()
        sides = []
        for s, (team, opp) in enumerate(((home, away), (away, home))):
            gf, ga = (score[0], score[1]) if s == 0 else (score[1], score[0])
            if t < 0:
                mood = "pre"
            elif t > match.duration:
                mood = "draw" if winner is None else ("win" if winner == s else "loss")
            elif recent is not None:
                mood = "goal_for" if recent.side == s else "goal_against"
            else:
                mood = "up" if gf > ga else "down" if gf < ga else "live"
            slots = self._slots(team, opp, f"{gf}-{ga}", _match_minute(t),
                                recent.scorer if recent else "")
            tags = team.hashtags + (f"{home.code}{away.code}",)
            sides.append(_Side(team, mood, slots, tags, self.users.supporters.get(team.name, [])))
        return sides[0], sides[1], home.popularity / (home.popularity + away.popularity)

    def minute_posts(self, minute: datetime) -> list[Post]:
        """All posts of one whole minute, in created_at order (deterministic for the seed)."""
        rng = self._rng(minute)
        mix = self.volume.mix(minute)
        n = poisson(rng, mix.expected * self.rate)
        if not n:
            return []
        rnd = rng.random
        pool = self.users
        npool = len(pool)
        ids, unames, langs, verified = pool.ids, pool.usernames, pool.langs, pool.verified
        tpls, ltags, lnk = self._templates, self._tags, self._links
        fan_sides = self._pool_teams
        matches = [self._sides(m, minute) for m in mix.matches]
        shares = mix.shares
        base = int(minute.timestamp()) * 1000
        offsets = sorted([int(rnd() * 60000) for _ in range(n)])
        pids = [str(((base + off - TWEPOCH_MS) << 22) | seq) for seq, off in enumerate(offsets)]
        fromts = datetime.fromtimestamp
        created = [fromts((base + off) / 1000, UTC) for off in offsets]
        new, setattr_, post_fields, metric_fields = _new, _set, _POST_FIELDS, _METRIC_FIELDS
        # earlier posts of this minute that can be retweeted / replied to:
        # (id, text, author index, hashtags, mentions, urls, lang, conversation id)
        seen: list[tuple[str, str, int, list[str], list[str], list[str], str, str]] = []
        out: list[Post] = []
        for pid, at in zip(pids, created, strict=True):
            r = rnd()
            in_reply_to = retweet_of = None
            if seen and r < RETWEET_SHARE:
                o = seen[int(rnd() * len(seen))]
                author = int(rnd() * npool)
                text = f"RT @{unames[o[2]]}: {o[1]}"
                hashtags, mentions, urls = list(o[3]), [unames[o[2]], *o[4]], list(o[5])
                lang, conv, retweet_of = o[6], pid, o[0]
                metrics = {"like_count": 0, "retweet_count": 0, "reply_count": 0,
                           "quote_count": 0}
            else:
                if seen and r < RETWEET_SHARE + REPLY_SHARE:
                    o = seen[int(rnd() * len(seen))]
                    author = int(rnd() * npool)
                    lang = langs[author]
                    choices = tpls[lang]["reply"]
                    text = f"@{unames[o[2]]} " + choices[int(rnd() * len(choices))].format_map(
                        fan_sides[author].slots)
                    hashtags, mentions, urls = [], [unames[o[2]]], []
                    in_reply_to, conv = o[0], o[7]
                else:
                    k = bisect_right(shares, rnd())
                    if k < len(matches):
                        home, away, p_home = matches[k]
                        side = home if rnd() < p_home else away
                        sup = side.supporters
                        author = (sup[int(rnd() * len(sup))] if sup and rnd() < FAN_SHARE
                                  else int(rnd() * npool))
                    else:
                        author = int(rnd() * npool)
                        side = fan_sides[author]
                    lang = langs[author]
                    choices = tpls[lang][side.mood]
                    slots = side.slots
                    players = side.team.players
                    i = int(rnd() * len(choices) * len(players))
                    slots["player"] = players[i // len(choices)]
                    text = choices[i % len(choices)].format_map(slots)
                    conv = pid
                    h = rnd()
                    if h < 0.15:
                        hashtags = []
                    else:
                        tags = ltags[lang] if h < 0.55 else side.tags
                        hashtags = [tags[int((h * 1000 % 1) * len(tags))]]
                        if 0.4 < h < 0.7:
                            tag = side.tags[int(rnd() * len(side.tags))]
                            if tag != hashtags[0]:
                                hashtags.append(tag)
                        text += " #" + " #".join(hashtags)
                    extra = rnd()
                    if extra < 0.06:
                        mentions, urls = [side.team.account], []
                        text += " @" + side.team.account
                    elif extra > 0.96:
                        link = lnk[int((extra - 0.96) * 25 * len(lnk))]
                        mentions, urls = [], [link.expanded]
                        text += " " + link.short
                    else:
                        mentions, urls = [], []
                likes = int(rnd() ** -1.15) - 1
                if verified[author]:
                    likes = min(likes * 40 + 25, 750_000)
                metrics = {"like_count": likes, "retweet_count": likes * 3 // 10,
                           "reply_count": likes // 8, "quote_count": likes // 40}
                seen.append((pid, text, author, hashtags, mentions, urls, lang, conv))
            m = new(Metrics)
            setattr_(m, "__dict__", metrics)
            setattr_(m, "__pydantic_fields_set__", metric_fields)
            setattr_(m, "__pydantic_extra__", None)
            setattr_(m, "__pydantic_private__", None)
            post = new(Post)  # = Post.model_construct(...), see construct_post
            setattr_(post, "__dict__", {
                "id": pid, "source": "sim", "created_at": at, "text": text, "lang": lang,
                "author_id": ids[author], "username": None, "name": None, "location": None,
                "verified": None, "profile_image_url": None, "edit_history_tweet_ids": [pid],
                "hashtags": hashtags, "mentions": mentions, "urls": urls, "metrics": m,
                "conversation_id": conv, "in_reply_to_id": in_reply_to,
                "retweet_of_id": retweet_of,
            })
            setattr_(post, "__pydantic_fields_set__", post_fields)
            setattr_(post, "__pydantic_extra__", None)
            setattr_(post, "__pydantic_private__", None)
            out.append(post)
        return out
