from datetime import UTC, datetime, timedelta

from hubbub.models import DeadLetter, Post
from hubbub.sources.base import SourceBatch, paced

T0 = datetime(2022, 12, 18, 15, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def post(i: int, seconds: float) -> Post:
    return Post(id=str(i), source="sim", created_at=T0 + timedelta(seconds=seconds),
                text=f"post {i}", author_id="1")


def test_speed_zero_passes_batches_through_unchanged():
    batches = [SourceBatch([post(1, 0), post(2, 3600)], [])]
    clock = FakeClock()
    out = list(paced(iter(batches), 0, clock=clock, sleep=clock.sleep))
    assert out == batches
    assert clock.sleeps == []


def test_posts_are_released_at_their_scaled_event_time():
    clock = FakeClock()
    released: list[tuple[str, float]] = []
    batch = SourceBatch([post(i, i * 10.0) for i in range(5)], [])  # every 10 event seconds
    for out in paced(iter([batch]), speed=5.0, clock=clock, sleep=clock.sleep):
        released += [(p.id, clock.now) for p in out.posts]
    # at 5x, 10 event seconds take 2 wall seconds; one big batch is split, not burst
    assert released == [(str(i), 100.0 + 2.0 * i) for i in range(5)]
    assert sum(clock.sleeps) == 8.0


def test_posts_due_together_stay_together_and_batches_never_grow():
    clock = FakeClock()
    b1 = SourceBatch([post(1, 0), post(2, 0.001), post(3, 0.002)], [])
    b2 = SourceBatch([post(4, 60), post(5, 60)], [])
    out = list(paced(iter([b1, b2]), speed=60, clock=clock, sleep=clock.sleep))
    assert [[p.id for p in b.posts] for b in out] == [["1", "2", "3"], ["4", "5"]]
    assert clock.sleeps == [1.0]


def test_a_slow_consumer_is_not_made_to_wait_again():
    clock = FakeClock()
    batch = SourceBatch([post(i, float(i)) for i in range(4)], [])
    gen = paced(iter([batch]), speed=1, clock=clock, sleep=clock.sleep)
    next(gen)  # post 0
    clock.now += 10  # the consumer took 10 s: posts 1..3 are overdue
    rest = list(gen)
    assert [p.id for b in rest for p in b.posts] == ["1", "2", "3"]
    assert len(rest) == 1


def test_dead_letters_travel_with_the_next_output():
    clock = FakeClock()
    dl = DeadLetter(stage="source", reason="line 2: bad", raw="x", offset=2)
    batches = [SourceBatch([], [dl]), SourceBatch([post(1, 0)], [])]
    out = list(paced(iter(batches), speed=1, clock=clock, sleep=clock.sleep))
    assert [d for b in out for d in b.dead_letters] == [dl]
    assert [p.id for b in out for p in b.posts] == ["1"]
