"""The Kafka transport's pure parts: librdkafka config from Settings, lag from statistics, and
the sink's Arrow fast path (same table as the store's own conversion; bad rows picked out)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from hubbub.config import Settings
from hubbub.models import EnrichedPost
from hubbub.store.rows import posts_to_table
from hubbub.stream.kafka import dead_letter_headers, kafka_config
from hubbub.stream.kafka_arrow import enriched_table
from hubbub.stream.kafka_metrics import lag_from_stats


def test_plain_local_broker_config():
    s = Settings(kafka_bootstrap_servers="127.0.0.1:9092")
    conf = kafka_config(s, "admin")
    assert conf == {"bootstrap.servers": "127.0.0.1:9092", "client.id": "hubbub",
                    "security.protocol": "PLAINTEXT"}


def test_producer_is_idempotent_lz4():
    conf = kafka_config(Settings(), "producer")
    assert conf["enable.idempotence"] is True and conf["acks"] == "all"
    assert conf["compression.type"] == "lz4"
    assert "group.id" not in conf


def test_consumer_commits_manually_from_earliest():
    conf = kafka_config(Settings(kafka_session_timeout_ms=6000), "consumer", group_id="g")
    assert conf["group.id"] == "g"
    assert conf["enable.auto.commit"] is False and conf["enable.auto.offset.store"] is False
    assert conf["auto.offset.reset"] == "earliest"
    assert conf["session.timeout.ms"] == 6000
    with pytest.raises(ValueError, match="group"):
        kafka_config(Settings(), "consumer")


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_confluent_cloud_sasl_ssl(mechanism):
    s = Settings(
        kafka_bootstrap_servers="pkc-123.eu-west-1.aws.confluent.cloud:9092",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism=mechanism,
        kafka_username="API_KEY",
        kafka_password=SecretStr("API_SECRET"),
    )
    conf = kafka_config(s, "producer")
    assert conf["security.protocol"] == "SASL_SSL"
    assert conf["sasl.mechanisms"] == mechanism
    assert conf["sasl.username"] == "API_KEY" and conf["sasl.password"] == "API_SECRET"
    assert "API_SECRET" not in repr(s)


def test_sasl_without_credentials_is_refused():
    with pytest.raises(ValueError, match="HUBBUB_KAFKA_USERNAME"):
        kafka_config(Settings(kafka_security_protocol="SASL_SSL"), "admin")


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("HUBBUB_KAFKA_BOOTSTRAP_SERVERS", "b1:9092,b2:9092")
    monkeypatch.setenv("HUBBUB_KAFKA_PASSWORD", "s3cret")
    monkeypatch.setenv("HUBBUB_KAFKA_PARTITIONS", "12")
    s = Settings()
    assert s.kafka_bootstrap_servers == "b1:9092,b2:9092" and s.kafka_partitions == 12
    assert s.kafka_password is not None and s.kafka_password.get_secret_value() == "s3cret"


def test_dead_letter_headers():
    h = dict(dead_letter_headers("malformed json", "enrich", "tweets", 3, 42))
    assert h == {"reason": b"malformed json", "stage": b"enrich", "source_topic": b"tweets",
                 "partition": b"3", "offset": b"42"}


def test_lag_from_librdkafka_statistics():
    stats = {"topics": {"tweets": {"partitions": {
        "0": {"hi_offset": 100, "committed_offset": 60, "fetch_state": "active"},
        "1": {"hi_offset": 50, "committed_offset": -1001, "consumer_lag": 50,
              "fetch_state": "active"},
        "2": {"hi_offset": 10, "committed_offset": 0, "fetch_state": "none"},
        "-1": {"hi_offset": -1},
    }}}}
    assert lag_from_stats(json.dumps(stats)) == {("tweets", 0): 40, ("tweets", 1): 50}


def _post(i: int, **changes: object) -> EnrichedPost:
    fields: dict[str, object] = dict(
        id=f"p{i}", source="sim", created_at=datetime(2022, 12, 18, 15, i % 60, tzinfo=UTC),
        text=f"Messi ⚽ {i}", author_id=f"u{i}", username=f"user{i}", location="Rosario",
        hashtags=["ARG"], country_code="AR" if i % 2 else None, country_name="Argentina",
        location_confidence=0.9, sentiment_compound=0.5, sentiment_label="positive",
        keywords=["Messi"], teams=["Argentina"], enriched_at=datetime(2022, 12, 18, tzinfo=UTC),
    )
    fields.update(changes)
    return EnrichedPost(**fields)


def test_arrow_path_equals_the_store_conversion():
    posts = [_post(i) for i in range(50)]
    table, rest = enriched_table([p.model_dump_json().encode() for p in posts])
    assert rest == [] and table is not None
    ref = posts_to_table(posts, datetime.now(UTC))
    assert table.drop_columns(["ingested_at"]).equals(ref.drop_columns(["ingested_at"]))


def test_arrow_path_leaves_bad_rows_to_the_slow_path():
    good = [_post(i).model_dump_json().encode() for i in range(4)]
    bad_range = _post(9).model_dump_json().replace('"sentiment_compound":0.5',
                                                   '"sentiment_compound":7.5')
    bad_label = _post(8).model_dump_json().replace('"positive"', '"ecstatic"')
    values = [good[0], bad_range.encode(), good[1], bad_label.encode(), good[2], b"", good[3]]
    table, rest = enriched_table(values)
    assert rest == [1, 3, 5]
    assert table is not None and table["id"].to_pylist() == ["p0", "p1", "p2", "p3"]


def test_unreadable_batch_goes_to_the_slow_path_whole():
    values = [_post(1).model_dump_json().encode(), b"{not json"]
    table, rest = enriched_table(values)
    assert table is None and rest == [0, 1]


def test_observe_many_equals_repeated_observe():
    from prometheus_client import CollectorRegistry, Histogram

    from hubbub.stream.kafka_metrics import observe_many

    reg = CollectorRegistry()
    a = Histogram("a_seconds", "a", buckets=(0.1, 1, 5), registry=reg)
    b = Histogram("b_seconds", "b", buckets=(0.1, 1, 5), registry=reg)
    for value, n in ((0.05, 3), (1.0, 2), (7.0, 4)):
        observe_many(a, value, n)
        for _ in range(n):
            b.observe(value)
    def values(name: str) -> list[tuple[str, dict, float]]:
        metric = next(m for m in reg.collect() if m.name == name)
        return [(s.name.removeprefix(name), s.labels, s.value) for s in metric.samples
                if not s.name.endswith("_created")]

    assert values("a_seconds") == values("b_seconds")
