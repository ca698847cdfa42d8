from hubbub.stream.freshness import FreshnessSamples


def test_quantiles_are_weighted_by_posts():
    f = FreshnessSamples()
    assert f.quantile(0.5) is None
    f.add(0.1, 90)  # 90 posts were 0.1 s fresh
    f.add(2.0, 10)  # 10 posts took 2 s
    assert f.quantile(0.5) == 0.1
    assert f.quantile(0.9) == 0.1
    assert f.quantile(0.99) == 2.0
    assert len(f) == 2


def test_window_is_bounded():
    f = FreshnessSamples(maxlen=3)
    for i in range(10):
        f.add(float(i), 1)
    assert len(f) == 3 and f.quantile(0.0) == 7.0
