"""The FIFA World Cup 2022 as data: teams, the 64 matches with kick-offs and goals, and the
volume model (how many posts a minute the tournament draws) that shapes the simulator."""

from __future__ import annotations

import csv
import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

DATA = files("hubbub.sources") / "data"

# Tournament chatter around one match, in posts/minute at rate 1 for a match of weight 1.
LIVE_RATE = 7.5
# Posts/minute about the tournament in general (no match on), at the day's busiest hour.
FLOOR_RATE = 3.2
PRE_MATCH = 180  # minutes of build-up before kick-off
POST_MATCH = 360  # minutes of reaction after the final whistle
GOAL_SPIKE = 3.0  # extra live-rates in the first minute after a goal, decaying
GOAL_DECAY = 4.0  # minutes
STAGE_WEIGHT = {
    "Group Stage": 1.0,
    "Round of 16": 1.7,
    "Quarter-finals": 2.4,
    "Semi-finals": 3.4,
    "3rd Place Final": 1.6,
    "Final": 7.0,
}
_GOAL = re.compile(r"^(\d+)(?:\+(\d+))?\s+(.+?)(?:\s+\((pen|og)\))?$")


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    code: str
    iso2: str
    popularity: float
    account: str
    hashtags: tuple[str, ...]
    players: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Goal:
    side: int  # 0 home, 1 away: the side the goal counts for
    minute: str  # as reported: "45+1"
    scorer: str
    penalty: bool
    own_goal: bool
    offset: int  # wall-clock minutes after kick-off


@dataclass(frozen=True, slots=True)
class Match:
    number: int
    stage: str
    home: str
    away: str
    home_score: int
    away_score: int
    kickoff: datetime
    goals: tuple[Goal, ...]  # by offset
    shootout: tuple[int, int] | None  # penalties (home, away)
    duration: int  # wall-clock minutes from kick-off to the final whistle (or last penalty)
    weight: float  # how much chatter it draws, relative to an average group match

    @property
    def extra_time(self) -> bool:
        return self.duration > 130

    def winner(self) -> int | None:
        """0 home, 1 away, None for a draw (shoot-outs decide knockouts)."""
        if self.home_score != self.away_score:
            return 0 if self.home_score > self.away_score else 1
        if self.shootout:
            return 0 if self.shootout[0] > self.shootout[1] else 1
        return None

    def score_at(self, offset: float) -> tuple[int, int]:
        """The score ``offset`` minutes after kick-off."""
        n = bisect_right(self.goals, offset, key=_offset)
        home = sum(1 for g in self.goals[:n] if g.side == 0)
        return home, n - home


def _offset(goal: Goal) -> float:
    return goal.offset


def goal_offset(minute: int, added: int) -> int:
    """Wall-clock minutes after kick-off of a goal at ``minute``+``added`` (approximate:
    15' half-time, ~3' and ~7' of stoppage, 5' before extra time, 2' between its halves)."""
    if minute <= 45:
        return minute + added
    if minute <= 90:
        return minute + added + 18
    if minute <= 105:
        return minute + added + 30
    return minute + added + 32


@cache
def teams() -> dict[str, Team]:
    raw: dict[str, dict[str, Any]] = yaml.safe_load((DATA / "teams.yml").read_text("utf-8"))
    return {
        name: Team(
            name=name,
            code=t["code"],
            iso2=t["iso2"],
            popularity=float(t["popularity"]),
            account=t["account"],
            hashtags=tuple(t["hashtags"]),
            players=tuple(t["players"]),
        )
        for name, t in raw.items()
    }


def _goals(cell: str, side: int) -> list[Goal]:
    goals = []
    for item in filter(None, (s.strip() for s in cell.split(";"))):
        m = _GOAL.match(item)
        if not m:
            raise ValueError(f"bad goal {item!r} in the match schedule")
        minute, added = int(m[1]), int(m[2] or 0)
        label = f"{minute}+{added}" if added else str(minute)
        goals.append(
            Goal(side, label, m[3], m[4] == "pen", m[4] == "og", goal_offset(minute, added))
        )
    return goals


@cache
def matches() -> tuple[Match, ...]:
    """The 64 matches in kick-off order."""
    tm = teams()
    out = []
    with (DATA / "worldcup2022_matches.csv").open("r", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: (r["kickoff_utc"], r["home_team"]))
    for number, r in enumerate(rows, 1):
        goals = sorted(_goals(r["home_goals"], 0) + _goals(r["away_goals"], 1), key=_offset)
        shootout = tuple(int(x) for x in r["shootout"].split("-")) if r["shootout"] else None
        knockout = r["stage"] != "Group Stage"
        level = int(r["home_score"]) == int(r["away_score"])
        duration = 155 if knockout and level else 115
        duration = max([duration + (12 if shootout else 0)] + [g.offset + 3 for g in goals])
        pop = math.sqrt(tm[r["home_team"]].popularity * tm[r["away_team"]].popularity)
        out.append(
            Match(
                number=number,
                stage=r["stage"],
                home=r["home_team"],
                away=r["away_team"],
                home_score=int(r["home_score"]),
                away_score=int(r["away_score"]),
                kickoff=datetime.fromisoformat(r["kickoff_utc"].replace("Z", "+00:00")),
                goals=tuple(goals),
                shootout=(shootout[0], shootout[1]) if shootout else None,
                duration=duration,
                weight=STAGE_WEIGHT[r["stage"]] * pop**1.5,
            )
        )
    return tuple(out)


def daily_rhythm(hour: float) -> float:
    """Relative activity by UTC hour (1 at ~18:00, ~0.25 at ~05:00): Africa and Europe's
    evening overlaps the Americas' afternoon; the night over all of them is quiet."""
    return 0.25 + 0.75 * (0.5 - 0.5 * math.cos(2 * math.pi * (hour - 5.5) / 24)) ** 1.5


def match_intensity(match: Match, t: float) -> float:
    """Chatter about ``match`` at ``t`` minutes after its kick-off, in live-rates
    (0 outside the window; 1 during play; spikes after goals and at the final whistle)."""
    if t < -PRE_MATCH or t > match.duration + POST_MATCH:
        return 0.0
    if t < 0:
        x = (t + PRE_MATCH) / PRE_MATCH
        return 0.05 + 0.45 * x * x
    spike = 0.0
    for g in match.goals:
        if g.offset <= t < g.offset + 20:
            spike += GOAL_SPIKE * math.exp(-(t - g.offset) / GOAL_DECAY)
    if t <= match.duration:
        return 1.0 + 0.3 * t / match.duration + spike
    after = t - match.duration
    return 1.5 * math.exp(-after / 50) + 0.25 * math.exp(-after / 240) + spike


@dataclass(frozen=True, slots=True)
class MinuteMix:
    """What one minute of the tournament is about: the expected number of posts (rate 1) and,
    for each match being talked about, its share of them (the rest is general chatter)."""

    expected: float
    matches: tuple[Match, ...]
    shares: tuple[float, ...]  # cumulative, in [0, 1]


class VolumeModel:
    """Expected posts per minute at rate 1, from the schedule (cheap: O(matches near t))."""

    def __init__(self, schedule: tuple[Match, ...] | None = None) -> None:
        self.schedule = schedule if schedule is not None else matches()
        self._by_day: dict[date, list[Match]] = {}
        for m in self.schedule:
            first = (m.kickoff - timedelta(minutes=PRE_MATCH)).date()
            last = (m.kickoff + timedelta(minutes=m.duration + POST_MATCH)).date()
            d = first
            while d <= last:
                self._by_day.setdefault(d, []).append(m)
                d += timedelta(days=1)

    def mix(self, minute: datetime) -> MinuteMix:
        rhythm = daily_rhythm(minute.hour + minute.minute / 60)
        general = FLOOR_RATE * rhythm
        parts: list[tuple[Match, float]] = []
        for m in self._by_day.get(minute.date(), ()):
            t = (minute - m.kickoff).total_seconds() / 60
            i = match_intensity(m, t)
            if i > 0:
                parts.append((m, LIVE_RATE * m.weight * i * (0.55 + 0.45 * rhythm)))
        total = general + sum(p for _, p in parts)
        acc, shares = 0.0, []
        for _, p in parts:
            acc += p / total
            shares.append(acc)
        return MinuteMix(total, tuple(m for m, _ in parts), tuple(shares))

    def expected(self, minute: datetime) -> float:
        return self.mix(minute).expected


def utc_minute(value: datetime) -> datetime:
    """``value`` in UTC, truncated to the minute."""
    return value.astimezone(UTC).replace(second=0, microsecond=0)
