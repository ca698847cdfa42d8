from datetime import UTC, datetime

from hubbub.models import Post
from hubbub.sources.memory import ListSource


def _posts(n: int) -> list[Post]:
    at = datetime(2022, 12, 18, tzinfo=UTC)
    return [Post(id=str(i), source="sim", created_at=at, text="x", author_id="a") for i in range(n)]


def test_full_speed_uses_the_batch_size_and_keeps_order():
    batches = list(ListSource(_posts(7)).batches(3))
    assert [len(b.posts) for b in batches] == [3, 3, 1]
    assert [p.id for b in batches for p in b.posts] == [str(i) for i in range(7)]


def test_a_rate_paces_in_chunks():
    batches = list(ListSource(_posts(10), rate=10_000, chunk=4).batches(1000))
    assert [len(b.posts) for b in batches] == [4, 4, 2]
