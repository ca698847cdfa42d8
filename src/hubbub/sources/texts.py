"""What simulated fans write: templates by language and mood, hashtags, links.

Everything is precomputed once so that composing a post is a few lookups and one
``str.format_map`` (the simulator has to make >100k posts a second).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from functools import cache

import yaml

from hubbub.sources.worldcup import DATA

MOODS = ("pre", "live", "up", "down", "goal_for", "goal_against", "win", "loss", "draw",
         "general", "reply")
GENERAL_TAGS = ("WorldCup2022", "FIFAWorldCup", "Qatar2022", "WorldCup", "FIFAWorldCup2022")
# Tags by language, so that non-English posts carry their own (#Mundial2022, #CopaDoMundo…).
LANG_TAGS = {
    "es": ("Mundial2022", "CopaMundialFIFA"),
    "pt": ("CopaDoMundo", "Copa2022"),
    "fr": ("CoupeDuMonde2022", "CDM2022"),
    "ar": ("كأس_العالم", "قطر2022"),
    "de": ("WM2022", "FIFAWM"),
    "ja": ("W杯", "ワールドカップ"),
    "id": ("PialaDunia2022",),
}
_LINKS = (
    "https://www.fifa.com/fifaplus/en/tournaments/mens/worldcup/qatar2022",
    "https://www.fifa.com/fifaplus/en/tournaments/mens/worldcup/qatar2022/scores-fixtures",
    "https://www.bbc.co.uk/sport/football/world-cup",
    "https://www.espn.com/soccer/fifa-world-cup/",
    "https://www.theguardian.com/football/world-cup-2022",
    "https://www.marca.com/futbol/mundial.html",
    "https://ge.globo.com/futebol/copa-do-mundo/",
    "https://www.lequipe.fr/Football/coupe-du-monde/",
    "https://punchng.com/sports/",
    "https://www.instagram.com/p/{}/",
    "https://youtu.be/{}",
    "https://www.tiktok.com/@fifaworldcup/video/7{}",
)


@dataclass(frozen=True, slots=True)
class Link:
    short: str  # as it appears in the text
    expanded: str  # as in entities.urls[].expanded_url


@cache
def templates() -> dict[str, dict[str, tuple[str, ...]]]:
    """``templates()[lang][mood]`` → the format strings of that language and mood."""
    raw: dict[str, dict[str, list[str]]] = yaml.safe_load(
        (DATA / "templates.yml").read_text("utf-8")
    )
    out = {}
    for lang, moods in raw.items():
        missing = set(MOODS) - set(moods)
        if missing:
            raise ValueError(f"templates.yml: {lang} lacks moods {sorted(missing)}")
        out[lang] = {mood: tuple(moods[mood]) for mood in MOODS}
    return out


@cache
def links(count: int = 512) -> tuple[Link, ...]:
    """A fixed pool of shortened links (t.co style) with their expanded targets."""
    rng = random.Random("hubbub-links")
    alphabet = string.ascii_letters + string.digits
    out = []
    for i in range(count):
        code = "".join(rng.choices(alphabet, k=10))
        target = _LINKS[i % len(_LINKS)]
        if "{}" in target:
            target = target.format("".join(rng.choices(alphabet, k=11)))
        out.append(Link(f"https://t.co/{code}", target))
    return tuple(out)


def tags_for(lang: str) -> tuple[str, ...]:
    """The tournament hashtags someone writing in ``lang`` picks from."""
    return GENERAL_TAGS + LANG_TAGS.get(lang, ())
