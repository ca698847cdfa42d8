"""A deterministic pool of simulated users with realistic, messy profile locations.

It implements :class:`hubbub.models.UserDirectory`, so the API can serve ``GET /2/users`` from
it, and it remembers each user's true home nation (``true_country``) so tests can score the
geo enrichment against the truth.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import yaml

from hubbub.models import User, construct_complete
from hubbub.sources.worldcup import DATA, teams

AVATAR_URL = "https://api.dicebear.com/9.x/thumbs/svg?seed={}"
_EPOCH = datetime(2008, 1, 1, tzinfo=UTC)
_SPAN = int((datetime(2022, 11, 15, tzinfo=UTC) - _EPOCH).total_seconds())
_BIOS = {
    "en": ["Football is life ⚽", "{team} till I die", "Engineer. Gooner. Jollof lover", "he/him",
           "Living my best life", "Proud {nation} 🙌", "Sports, music & vibes", "Chelsea fan 💙",
           "Man United through thick and thin", "Data nerd | {team} fan",
           "Just here for the memes"],
    "es": ["Fútbol y asado", "Hincha de {team} ⚽", "Vivo por el fútbol", "Ingeniera. Futbolera"],
    "pt": ["Futebol é vida", "Torcedor do {team}", "Flamenguista 🔴⚫", "Amo futebol e música"],
    "fr": ["Le foot c'est la vie", "Supporter de {team}", "Allez l'OM 💙", "Étudiant, fan de foot"],
    "ar": ["كرة القدم حياتي", "مشجع {team}", "الحمد لله", "عاشق للكرة"],
    "de": ["Fußball ist Leben", "Fan von {team}", "BVB 💛🖤", "Ingenieur und Fußballfan"],
    "ja": ["サッカー好き", "{team}サポ", "サッカーと音楽", "会社員"],
    "id": ["Bola adalah hidup", "Fans {team}", "Pecinta sepak bola", "Mahasiswa"],
}


def flag(iso2: str) -> str:
    """The emoji flag of a two-letter country code."""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in iso2.upper())


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isalnum())


@cache
def _nations() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / "nations.yml").read_text("utf-8"))
    return data


class UserPool:
    """``size`` users, identical for the same ``seed``; nations mixed as in the original data
    (Nigeria first, then the US, the UK, India, Argentina, Brazil…)."""

    def __init__(self, size: int = 50_000, seed: int = 2022) -> None:
        if size < 1:
            raise ValueError("a user pool needs at least one user")
        self.seed = seed
        conf = _nations()
        nations: dict[str, dict[str, Any]] = conf["nations"]
        codes = list(nations)
        cum, acc = [], 0.0
        for c in codes:
            acc += float(nations[c]["weight"])
            cum.append(acc)
        by_iso = {t.iso2: t.name for t in teams().values() if t.name != "Wales"}
        rng = random.Random(f"hubbub-users:{seed}")
        width = len(str(size - 1))
        self.ids: list[str] = []
        self.usernames: list[str] = []
        self.names: list[str] = []
        self.locations: list[str | None] = []
        self.nations: list[str] = []
        self.langs: list[str] = []
        self.teams: list[str] = []
        self.verified: list[bool] = []
        self.descriptions: list[str | None] = []
        self.created: list[datetime] = []
        self.supporters: dict[str, list[int]] = {}
        taken: set[str] = set()
        team_names = list(teams())
        for i in range(size):
            code = rng.choices(codes, cum_weights=cum)[0]
            n = nations[code]
            supports: dict[str, float] = n.get("supports") or {by_iso.get(code, "Argentina"): 1}
            team = rng.choices(list(supports), weights=list(supports.values()))[0]
            if rng.random() < 0.04:  # a few follow somebody else entirely
                team = rng.choice(team_names)
            lang = n["lang"] if rng.random() >= float(n.get("en_share", 0.0)) else "en"
            first, last = rng.choice(n["first"]), rng.choice(n["last"])
            name = f"{first} {last}"
            r = rng.random()
            if n.get("native") and r < 0.3:
                name = rng.choice(n["native"])
            elif r < 0.42:
                name = f"{first} {flag(code)}"
            elif r < 0.5:
                name = f"{first} | {team} fan"
            self.ids.append(f"{rng.randrange(10**7, 10**13)}{i:0{width}d}")
            self.usernames.append(self._username(rng, first, last, team, code, taken))
            self.names.append(name)
            self.locations.append(self._location(rng, n, conf))
            self.nations.append(code)
            self.langs.append(lang)
            self.teams.append(team)
            self.supporters.setdefault(team, []).append(i)
            self.verified.append(rng.random() < 0.012)
            bio = rng.choice(_BIOS[lang]).format(team=team, nation=flag(code))
            self.descriptions.append(None if rng.random() < 0.3 else bio)
            self.created.append(_EPOCH + timedelta(seconds=rng.randrange(_SPAN)))
        self._index = {uid: i for i, uid in enumerate(self.ids)}

    @staticmethod
    def _location(rng: random.Random, nation: dict[str, Any], conf: dict[str, Any]) -> str | None:
        if rng.random() < float(conf["noise_share"]):
            noise: str = rng.choice(conf["noise_locations"])
            return None if not noise and rng.random() < 0.5 else noise
        loc: str = rng.choice(nation["locations"])
        r = rng.random()
        if r < 0.05:
            return loc.lower()
        if r < 0.08:
            return f"{loc} ✈️ London"
        return loc

    @staticmethod
    def _username(
        rng: random.Random, first: str, last: str, team: str, code: str, taken: set[str]
    ) -> str:
        f, la = _ascii(first) or "fan", _ascii(last) or "fc"
        style = rng.randrange(6)
        if style == 0:
            base = f"{f}{la}"
        elif style == 1:
            base = f"{f}_{la}".lower()
        elif style == 2:
            base = f"{f.lower()}{rng.randrange(1, 100)}"
        elif style == 3:
            base = f"{teams()[team].code.lower()}_{f.lower()}"
        elif style == 4:
            base = f"{'naija' if code == 'NG' else f.lower()}_{la.lower()}"
        else:
            base = f"the{f}{la[:1]}"
        base = base[:12]
        name = base
        while name in taken:
            name = f"{base}{rng.randrange(10, 1000)}"
        taken.add(name)
        return name

    def __len__(self) -> int:
        return len(self.ids)

    def index_of(self, user_id: str) -> int | None:
        return self._index.get(user_id)

    def user(self, index: int) -> User:
        return construct_complete(  # every field set, valid by construction
            User,
            {
                "id": self.ids[index],
                "username": self.usernames[index],
                "name": self.names[index],
                "location": self.locations[index],
                "verified": self.verified[index],
                "profile_image_url": AVATAR_URL.format(self.usernames[index]),
                "description": self.descriptions[index],
                "created_at": self.created[index],
            },
        )

    def get_users(self, ids: Sequence[str]) -> list[User]:
        """The users among ``ids`` (unknown ids are left out), in the order asked."""
        return [self.user(i) for i in map(self._index.get, ids) if i is not None]

    def true_country(self, user_id: str) -> str | None:
        """The user's real home nation (ISO 3166-1 alpha-2), whatever their profile says."""
        i = self._index.get(user_id)
        return None if i is None else self.nations[i]
