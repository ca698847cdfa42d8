import gzip
import shutil
from pathlib import Path

import pytest

from hubbub.models import Post
from hubbub.sources.replay import FileReplay, detect_format, open_replay, parse_mapping

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "replay"


def replay(path: Path, size: int = 100, **kw):
    batches = list(open_replay(path, **kw).batches(size))
    posts = [p for b in batches for p in b.posts]
    dead = [d for b in batches for d in b.dead_letters]
    return batches, posts, dead


def test_x_api_v2_lines_join_the_author_and_keep_entities():
    _, posts, dead = replay(FIXTURES / "x_stream.jsonl")
    assert [p.id[-3:] for p in posts] == ["096", "097", "098", "102"]
    first, reply, rt, _ = posts
    assert (first.username, first.name, first.location, first.verified) == (
        "chinedu_fc", "Chinedu 🇳🇬", "Lagos, Nigeria", False)
    assert first.profile_image_url.startswith("https://pbs.twimg.com/")
    assert first.hashtags == ["ARGFRA", "WorldCup2022"] and first.mentions == ["Argentina"]
    assert first.urls == ["https://www.fifa.com/fifaplus/en/tournaments/mens/worldcup/qatar2022"]
    assert first.metrics.like_count == 140 and first.source == "file"
    assert reply.in_reply_to_id == first.id and reply.conversation_id == first.id
    assert reply.verified is True
    assert rt.retweet_of_id == first.id and rt.needs_user()  # no includes: the enricher looks up
    assert [(d.offset, d.stage) for d in dead] == [(4, "source"), (5, "source"), (6, "source"),
                                                   (7, "source")]
    reasons = [d.reason for d in dead]
    assert reasons[0].startswith("line 4: invalid JSON")
    assert "created_at" in reasons[1] and "timezone" in reasons[2] and "'data'" in reasons[3]
    assert dead[0].raw.startswith('{"data": {"id": "1604469447464964099"')
    assert all(d.source == str(FIXTURES / "x_stream.jsonl") for d in dead)


def test_gzip_replays_the_same(tmp_path):
    _, plain, plain_dead = replay(FIXTURES / "x_stream.jsonl")
    _, zipped, zipped_dead = replay(FIXTURES / "x_stream.jsonl.gz")
    assert zipped == plain
    assert [d.reason for d in zipped_dead] == [d.reason for d in plain_dead]
    # gzip is recognised by its bytes, whatever the name
    odd = tmp_path / "stream.data"
    shutil.copy(FIXTURES / "x_stream.jsonl.gz", odd)
    assert replay(odd)[1] == plain


def test_post_shape_lines():
    _, posts, dead = replay(FIXTURES / "posts.jsonl")
    assert [p.id for p in posts] == ["sim-1", "sim-2", "sim-5"]
    assert posts[1].created_at.isoformat() == "2022-11-20T13:17:00+00:00"  # normalised to UTC
    assert posts[0].source == "sim"
    assert [d.offset for d in dead] == [3, 4, 5]
    assert "timezone" in dead[0].reason and "invalid JSON" in dead[1].reason
    assert "id" in dead[2].reason and dead[1].raw == "not json at all"


def test_csv_with_default_columns_multiline_cells_and_bad_rows():
    _, posts, dead = replay(FIXTURES / "tweets.csv")
    assert [p.id[-1] for p in posts] == ["1", "2", "7"]
    a, b, c = posts
    assert (a.username, a.location, a.verified, a.hashtags, a.metrics.like_count) == (
        "leo_fan", "Buenos Aires, Argentina", False, ["ARG"], 10)
    assert b.text == "Weghorst!!!\nWhat a header" and b.verified is True and b.hashtags == ["NED"]
    assert c.location == "Naija 🇳🇬" and c.edit_history_tweet_ids == [c.id]
    assert [d.offset for d in dead] == [5, 6, 7, 8]  # physical line numbers (row 2 spans 2)
    assert "timezone" in dead[0].reason and "missing field text" in dead[1].reason
    assert "columns" in dead[2].reason and "like_count" in dead[3].reason
    assert dead[0].raw.startswith("1598000000000000003,")


def test_csv_mapping_and_aliases():
    _, posts, dead = replay(FIXTURES / "kaggle_style.csv", mapping="text=tweet_text")
    assert not dead
    assert [(p.id, p.name, p.location, p.verified) for p in posts] == [
        ("1", "Ngozi", "Lagos, Nigeria", False), ("2", "Kofi", "Accra", True)]
    _, posts, dead = replay(FIXTURES / "kaggle_style.csv", mapping={"text": "no_such_column"})
    assert not posts and all("no_such_column" in d.reason for d in dead)


def test_parse_mapping():
    assert parse_mapping("text=tweet_text, created_at=date") == {
        "text": "tweet_text", "created_at": "date"}
    assert parse_mapping("") == {}
    with pytest.raises(ValueError, match="field=column"):
        parse_mapping("text")
    with pytest.raises(ValueError, match="unknown field"):
        parse_mapping("colour=red")


def test_format_detection_and_override(tmp_path):
    line = (FIXTURES / "x_stream.jsonl").read_text("utf-8").splitlines()[0]
    assert detect_format(Path("a.jsonl"), line) == "x"
    assert detect_format(Path("a.txt"), '{"id": "1"}') == "post"
    assert detect_format(Path("a.csv.gz"), line) == "csv"
    assert detect_format(Path("a.txt"), "id,text") == "csv"
    # forcing the Post shape on X lines: every line is a dead letter, none is lost
    _, posts, dead = replay(FIXTURES / "x_stream.jsonl", format="post")
    assert not posts and len(dead) == 8
    with pytest.raises(ValueError, match="format"):
        FileReplay(FIXTURES / "posts.jsonl", format="xml")  # type: ignore[arg-type]


def test_batches_are_bounded_and_the_file_streams(tmp_path):
    path = tmp_path / "many.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(2500):
            fh.write(Post(id=f"p{i}", source="file", created_at="2022-12-18T15:00:00Z",
                          text=f"#{i}", author_id="1").model_dump_json() + "\n")
    source = FileReplay(path)
    it = source.batches(1000)
    first = next(it)
    assert len(first.posts) == 1000 and source._fh is not None and not source._fh.closed
    sizes = [len(first.posts)] + [len(b.posts) for b in it]
    assert sizes == [1000, 1000, 500]
    assert source._fh is None  # closed when done


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    assert replay(tmp_path / "empty.csv")[0] == []
