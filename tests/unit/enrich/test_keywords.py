"""Taxonomy files and the keyword/team matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubbub.enrich.keywords import KeywordMatcher, Match, Taxonomy


@pytest.fixture(scope="module")
def matcher() -> KeywordMatcher:
    return KeywordMatcher()


def teams(matcher: KeywordMatcher, text: str, hashtags: tuple[str, ...] = ()) -> list[str]:
    return matcher.match(text, hashtags).teams


def test_the_packaged_taxonomy_has_the_32_teams_of_qatar_2022() -> None:
    taxonomy = Taxonomy.load()
    assert taxonomy.name == "worldcup2022"
    assert len(taxonomy.group("teams")) == 32
    assert {"Argentina", "United States", "South Korea", "Saudi Arabia", "Costa Rica"} <= set(
        taxonomy.group("teams")
    )
    assert "Nigeria" not in taxonomy.group("teams")
    assert "Italy" not in taxonomy.group("teams")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vamos Argentina!", ["Argentina"]),
        ("¡Vamos la Albiceleste!", ["Argentina"]),
        ("Allez les Bleus", ["France"]),
        ("Deutschland gegen Japan", ["Germany", "Japan"]),
        ("O Brasil é hexa? Vai Seleção", ["Brazil"]),
        (
            "Los Estados Unidos contra Gales? No: contra el País de Gales",
            ["United States", "Wales"],
        ),
        ("les États-Unis et les Pays-Bas", ["Netherlands", "United States"]),
        ("Corea del Sur y Marruecos", ["Morocco", "South Korea"]),
        ("Three Lions! It's coming home", ["England"]),
        ("المغرب يفوز على إسبانيا", ["Spain", "Morocco"]),
        ("日本代表がんばれ！ドイツに勝った", ["Germany", "Japan"]),
        ("대한민국이 포르투갈을 이겼다", ["Portugal", "South Korea"]),
        ("Go USA! #USMNT", ["United States"]),
        ("Socceroos and the Aussies", ["Australia"]),
    ],
)
def test_teams_in_several_languages(
    matcher: KeywordMatcher, text: str, expected: list[str]
) -> None:
    # order is taxonomy order (the file lists the teams group by group)
    assert sorted(teams(matcher, text)) == sorted(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#ARG #FRA", ["Argentina", "France"]),
        ("#arg vs #fra", ["Argentina", "France"]),
        ("ARG 3-3 FRA", ["Argentina", "France"]),
        ("#ARGFRA #ARGvsFRA", ["Argentina", "France"]),
        ("#CROvMAR", ["Morocco", "Croatia"]),
        ("#VamosArgentina", ["Argentina"]),
        ("#AllezLesBleus #LesBleus #Les_Bleus", ["France"]),
        ("#ThreeLions", ["England"]),
        ("arg, fra and Arg are not codes", []),  # codes only as upper-case words or hashtags
        ("I CAN'T BELIEVE IT, POR FAVOR", []),  # code_stopwords: CAN/POR only as hashtags
        ("#CAN #POR", ["Canada", "Portugal"]),
    ],
)
def test_codes_and_team_hashtags(matcher: KeywordMatcher, text: str, expected: list[str]) -> None:
    assert sorted(teams(matcher, text)) == sorted(expected)


def test_hashtags_given_apart_from_the_text(matcher: KeywordMatcher) -> None:
    assert teams(matcher, "what a night", ("VamosArgentina", "FRA")) == ["Argentina", "France"]


@pytest.mark.parametrize(
    "text",
    [
        "Irani cuisine and the Iranic languages",
        "the usage of usa-like words: usability",  # "usa" hyphenated is a word; see below
        "Frances and Francesca went to Spainish class",
        "a portugalese sentence, brazilwood, japanned",
        "my son scored, sonny",
        "Kaneohe bay; hazardous weather; sterling silver",
        "ARGENTINAS? no: ARGs",
        "variable = var; variance",
        "finalist finalize",
    ],
)
def test_no_matches_inside_words(matcher: KeywordMatcher, text: str) -> None:
    match = matcher.match(text)
    assert [k for k in match.keywords if k != "United States"] == []


def test_usa_is_a_whole_word(matcher: KeywordMatcher) -> None:
    assert teams(matcher, "usage and causal usability") == []
    assert teams(matcher, "go usa") == ["United States"]


def test_accent_and_case_insensitive(matcher: KeywordMatcher) -> None:
    for text in ("Mbappé", "MBAPPE", "mbappe", "Mbappe\u0301", "Kylian Mbappé"):
        assert matcher.match(text) == Match(keywords=["France", "Mbappé"], teams=["France"])
    assert matcher.match("modric & MODRIĆ").keywords == ["Croatia", "Modrić"]
    assert teams(matcher, "MÉXICO, méxico, Mexico") == ["Mexico"]


def test_players_imply_their_team(matcher: KeywordMatcher) -> None:
    match = matcher.match("Messi and Ronaldo, Neymar, Harry Kane, Hakimi, Bounou and Pulisic")
    assert {"Messi", "Ronaldo", "Neymar", "Kane", "Hakimi", "Bounou", "Pulisic"} <= set(
        match.keywords
    )
    assert sorted(match.teams) == sorted(
        ["Argentina", "Portugal", "Brazil", "England", "Morocco", "United States"]
    )


def test_multi_word_terms(matcher: KeywordMatcher) -> None:
    assert matcher.match("Son Heung-min!").teams == ["South Korea"]
    assert matcher.match("Heung-min Son scores").keywords == ["South Korea", "Son Heung-min"]
    assert matcher.match("#SonHeungMin").teams == ["South Korea"]
    assert matcher.match("Son scores").keywords == []  # "Son" alone is too common
    assert "world cup" not in matcher.match("World Cup").keywords
    assert matcher.match("the World Cup final went to extra time").keywords == [
        "worldcup",
        "final",
        "extra time",
    ]
    assert matcher.match("Saudi Arabia beat Argentina").teams == ["Argentina", "Saudi Arabia"]


def test_general_keywords(matcher: KeywordMatcher) -> None:
    match = matcher.match("GOAL!!! What a penalty call, the referee and VAR… offside? #Qatar2022")
    # taxonomy order, not text order
    assert match.keywords == ["qatar2022", "goal", "penalty", "VAR", "referee", "offside"]
    assert match.teams == []
    assert "fifa" in matcher.match("FIFA").keywords
    assert "worldcup" in matcher.match("#WorldCup").keywords
    assert matcher.match("var x = 1; the goat is eating grass").keywords == []


def test_no_match_is_empty(matcher: KeywordMatcher) -> None:
    assert matcher.match("") == Match([], [])
    assert matcher.match("just had lunch") == Match([], [])


DWH = """
name: warehouses
teams_group: null
groups:
  vendors:
    Snowflake: [Snowflake Data Cloud]
    BigQuery: {aliases: [Big Query, Google BigQuery], hashtags: [GBQ]}
    Redshift: [Amazon Redshift, AWS Redshift]
    Databricks: [Databricks SQL]
  trends:
    data mesh: [datamesh]
    data vault: [data vault 2.0]
    lakehouse: [lake house]
"""


def test_a_second_taxonomy_file_just_works(tmp_path: Path) -> None:
    path = tmp_path / "warehouses.yml"
    path.write_text(DWH, encoding="utf-8")
    taxonomy = Taxonomy.load(path)
    assert taxonomy.name == "warehouses" and taxonomy.teams_group is None
    matcher = KeywordMatcher(taxonomy)
    match = matcher.match(
        "Moving from Amazon Redshift to big query; is the Data Mesh hype real? #DataVault #GBQ"
    )
    assert match == Match(keywords=["BigQuery", "Redshift", "data mesh", "data vault"], teams=[])
    assert matcher.match("snowflakes falling").keywords == []
    assert matcher.match("Lakehouse vs lake house vs #lakehouse").keywords == ["lakehouse"]
    assert matcher.match("Argentina").keywords == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "groups"),
        ("groups: {teams: [a, b]}", "must map"),
        ("groups: {teams: {A: {alias: [x]}}}", "unknown keys"),
        ("groups: {teams: {A: {implies: B}}}", "implies unknown"),
        ("groups: {a: {X: []}, b: {X: []}}", "defined twice"),
    ],
)
def test_invalid_taxonomies_are_rejected(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        Taxonomy.load(path)
