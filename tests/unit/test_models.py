"""The data contract: the original tweet schema's names are kept, event time must carry a zone,
and the committed JSON Schema files are what the models generate."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from hubbub.models import EnrichedPost, Post, construct_complete
from hubbub.schemas import SCHEMA_FILES, render

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL_TWEET_FIELDS = {
    "verified",
    "profile_image_url",
    "id",
    "created_at",
    "username",
    "author_id",
    "edit_history_tweet_ids",
    "location",
    "name",
    "text",
}
RAW = {
    "id": "1598012345678901234",
    "source": "x",
    "created_at": "2022-12-18T15:00:00Z",
    "text": "VAMOS ARGENTINA 🇦🇷 #WorldCup",
    "author_id": "42",
}


def test_original_tweet_fields_keep_their_names():
    assert ORIGINAL_TWEET_FIELDS <= set(Post.model_fields)
    assert set(Post.model_fields) <= set(EnrichedPost.model_fields)


def test_created_at_is_normalised_to_utc_and_naive_times_are_refused():
    post = Post.model_validate({**RAW, "created_at": "2022-12-18T17:00:00+02:00"})
    assert post.created_at == datetime(2022, 12, 18, 15, tzinfo=UTC)
    with pytest.raises(ValidationError, match="timezone"):
        Post.model_validate({**RAW, "created_at": "2022-12-18T15:00:00"})


@pytest.mark.parametrize(
    "bad",
    [
        {"id": ""},
        {"id": "has space"},
        {"source": "myspace"},
        {"metrics": {"like_count": -1}},
        {"author_id": ""},
    ],
)
def test_invalid_posts_are_refused(bad):
    with pytest.raises(ValidationError):
        Post.model_validate({**RAW, **bad})


def test_committed_schema_files_match_the_models():
    for name in SCHEMA_FILES:
        committed = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert committed == render(name), f"schemas/{name} is stale: run `make schema`"


def test_a_valid_post_passes_the_published_json_schema_and_a_bad_one_fails():
    schema = json.loads((ROOT / "schemas" / "tweets.schema.json").read_text())
    jsonschema.validate(json.loads(Post.model_validate(RAW).model_dump_json()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**RAW, "source": "myspace"}, schema)


def test_construct_complete_equals_model_construct():
    post = Post.model_validate(RAW)
    fields = dict(post.__dict__)
    fast = construct_complete(Post, dict(fields))
    assert fast == Post.model_construct(**fields)
    assert fast.model_dump() == post.model_dump()
