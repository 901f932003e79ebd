"""Topic configs that are real (issue 12, acceptance 3): retention.ms and retention.bytes changed on a
live topic with IncrementalAlterConfigs take effect; unknown and unsupported configs are refused
with INVALID_CONFIG naming them; DescribeConfigs reports sources and synonyms; LogAppendTime
stamps records; broker-level defaults reach topics without an override; `kappa topics alter` and
the dashboard's `kafka-configs.sh` lines change and describe configs. Real clients, real broker."""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from confluent_kafka import KafkaError, KafkaException, TIMESTAMP_LOG_APPEND_TIME, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic,
                                   ResourceType)

from e2e import confluent_consumer, free_port, kappa_bin, produce, read_all, wait_until
from test_cli_support import kappa, ok

SEGMENT = {"segment.bytes": "2000"}


def admin_for(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap})


def create(admin: AdminClient, name: str, config: dict[str, str]):
    admin.create_topics([NewTopic(name, 1, 1, config=config)], operation_timeout=10)[name].result(timeout=20)


def incremental(admin: AdminClient, name: str, **changes):
    """SET each key=value (None: DELETE) with IncrementalAlterConfigs; returns the future's result."""
    entries = [ConfigEntry(key.replace("_", "."), value,
                           incremental_operation=AlterConfigOpType.DELETE if value is None else AlterConfigOpType.SET)
               for key, value in changes.items()]
    resource = ConfigResource(ResourceType.TOPIC, name, incremental_configs=entries)
    return admin.incremental_alter_configs([resource])[resource].result(timeout=20)


def describe(admin: AdminClient, name: str, resource_type=ResourceType.TOPIC) -> dict:
    resource = ConfigResource(resource_type, name)
    return admin.describe_configs([resource])[resource].result(timeout=20)


def low_watermark(bootstrap: str, name: str) -> int:
    c = confluent_consumer(bootstrap)
    try:
        return c.get_watermark_offsets(TopicPartition(name, 0), timeout=10)[0]
    finally:
        c.close()


def fill(bootstrap: str, name: str, count: int, timestamp: int | None = None):
    records = [{"key": None, "value": b"x" * 100, **({"timestamp": timestamp} if timestamp else {})}
               for _ in range(count)]
    reports = produce(bootstrap, name, records, **{"linger.ms": 0, "batch.num.messages": 1})
    assert all(err is None for err, _, _ in reports), reports[:3]


def test_retention_changes_on_a_live_topic_take_effect(broker, topic):
    admin = admin_for(broker.bootstrap)
    old, sized, single = topic + "-ms", topic + "-bytes", topic + "-one"
    create(admin, old, SEGMENT)
    create(admin, sized, SEGMENT)
    create(admin, single, {})  # one 1 GiB segment: the active one has to go too
    hour_ago = int(time.time() * 1000) - 3_600_000
    fill(broker.bootstrap, old, 100, timestamp=hour_ago)
    fill(broker.bootstrap, single, 20, timestamp=hour_ago)
    fill(broker.bootstrap, sized, 100)
    time.sleep(2.5)  # a few maintenance runs: nothing may go while the defaults (7 days, unlimited) hold
    for name in (old, sized, single):
        assert low_watermark(broker.bootstrap, name) == 0, name

    incremental(admin, old, retention_ms="60000")
    incremental(admin, single, retention_ms="2000")  # the active segment goes once also idle that long
    incremental(admin, sized, retention_bytes="4000")
    wait_until(lambda: low_watermark(broker.bootstrap, old) > 50, 15, 0.3, "retention.ms to delete old segments")
    wait_until(lambda: low_watermark(broker.bootstrap, single) == 20, 15, 0.3, "retention.ms to empty the topic")
    wait_until(lambda: low_watermark(broker.bootstrap, sized) > 50, 15, 0.3, "retention.bytes to delete segments")
    fill(broker.bootstrap, single, 1)
    assert [m.offset() for m in read_all(broker.bootstrap, single, 1)] == [20]

    configs = describe(admin, old)
    assert configs["retention.ms"].value == "60000"
    assert configs["retention.ms"].source == 1  # DYNAMIC_TOPIC_CONFIG
    assert configs["segment.bytes"].value == "2000"
    assert describe(admin, sized)["retention.bytes"].value == "4000"

    # DELETE: the override goes, the default is back, the other override stays.
    incremental(admin, old, retention_ms=None)
    configs = describe(admin, old)
    assert configs["retention.ms"].value == "604800000" and configs["retention.ms"].source == 5
    assert configs["segment.bytes"].value == "2000" and configs["segment.bytes"].source == 1
    broker.assert_alive()


def test_unknown_and_unsupported_configs_are_refused_by_name(broker, topic):
    admin = admin_for(broker.bootstrap)
    create(admin, topic, {"min.insync.replicas": "1", "compression.type": "producer"})

    for key, value in [("no.such.config", "1"), ("compression.type", "gzip"), ("min.insync.replicas", "2"),
                       ("retention.ms", "soon")]:
        with pytest.raises(KafkaException) as refused:
            incremental(admin, topic, **{key.replace(".", "_"): value})
        error = refused.value.args[0]
        assert error.code() == KafkaError.INVALID_CONFIG, error
        assert key in error.str(), error

    bad = topic + "-bad"
    with pytest.raises(KafkaException) as refused:
        create(admin, bad, {"cleanup.policy": "compact", "unclean.leader.election.enable": "true"})
    assert refused.value.args[0].code() == KafkaError.INVALID_CONFIG
    assert "unclean.leader.election.enable" in refused.value.args[0].str()
    assert bad not in admin.list_topics(timeout=10).topics

    # librdkafka's AlterConfigs (the whole set) refuses the same way.
    resource = ConfigResource(ResourceType.TOPIC, topic, set_config={"retention.ms": "1000", "flush.ms": "5"})
    with pytest.raises(KafkaException) as refused:
        admin.alter_configs([resource])[resource].result(timeout=20)
    assert refused.value.args[0].code() == KafkaError.INVALID_CONFIG and "flush.ms" in refused.value.args[0].str()
    assert describe(admin, topic)["retention.ms"].value == "604800000"


def test_kafka_python_admin_alters_and_describes(broker, topic):
    from kafka.admin import ConfigResource as KPResource, ConfigResourceType, KafkaAdminClient, NewTopic as KPTopic
    from kafka.admin._configs import AlterConfigOp

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=15000)
    try:
        admin.create_topics([KPTopic(topic, 1, 1, topic_configs={"cleanup.policy": "compact"})])
        result = admin.alter_configs([KPResource(ConfigResourceType.TOPIC, topic, configs={
            "cleanup.policy": (AlterConfigOp.APPEND, "delete"), "retention.bytes": "123456"})])
        assert result["topic"][topic] == "OK", result
        described = admin.describe_configs([KPResource(ConfigResourceType.TOPIC, topic)], include_synonyms=True)
        configs = described["topic"][topic]
        assert configs["cleanup.policy"]["value"] == "compact,delete"
        assert configs["retention.bytes"]["value"] == "123456"
        assert configs["retention.bytes"]["config_source"] == "DYNAMIC_TOPIC_CONFIG"
        assert [s["name"] for s in configs["retention.bytes"]["synonyms"]] == ["retention.bytes", "log.retention.bytes"]

        refused = admin.alter_configs([KPResource(ConfigResourceType.TOPIC, topic, configs={"bogus.key": "1"})],
                                      raise_on_unknown=False)
        assert "InvalidConfigurationError" in refused["topic"][topic] and "bogus.key" in refused["topic"][topic]
        # The old AlterConfigs path (the whole set) keeps the other overrides because the client re-sends them.
        legacy = admin.alter_configs([KPResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "90000"})],
                                     incremental=False)
        assert legacy["topic"][topic] == "OK"
        configs = admin.describe_configs([KPResource(ConfigResourceType.TOPIC, topic)])["topic"][topic]
        assert {k: v["value"] for k, v in configs.items()} == {
            "cleanup.policy": "compact,delete", "retention.bytes": "123456", "retention.ms": "90000"}
    finally:
        admin.close()


def test_log_append_time_stamps_records_with_the_broker_clock(broker, topic):
    admin = admin_for(broker.bootstrap)
    create(admin, topic, {"message.timestamp.type": "LogAppendTime"})
    before = int(time.time() * 1000)
    fill(broker.bootstrap, topic, 3, timestamp=1_000)
    after = int(time.time() * 1000)
    messages = read_all(broker.bootstrap, topic, 1)
    assert len(messages) == 3
    for m in messages:
        kind, ts = m.timestamp()
        assert kind == TIMESTAMP_LOG_APPEND_TIME, m.timestamp()
        assert before - 1000 <= ts <= after + 1000, (ts, before, after)

    from kafka import KafkaConsumer
    consumer = KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest",
                             consumer_timeout_ms=5000, enable_auto_commit=False)
    try:
        stamps = [(r.timestamp_type, r.timestamp) for r in consumer]
    finally:
        consumer.close()
    assert [kind for kind, _ in stamps] == [1, 1, 1] and all(ts >= before - 1000 for _, ts in stamps), stamps


def test_broker_defaults_reach_topics_without_an_override(broker, topic):
    admin = admin_for(broker.bootstrap)
    plain, own = topic + "-plain", topic + "-own"
    create(admin, plain, SEGMENT)
    create(admin, own, {**SEGMENT, "retention.bytes": "-1"})
    fill(broker.bootstrap, plain, 100)
    fill(broker.bootstrap, own, 100)

    resource = ConfigResource(ResourceType.BROKER, "1", incremental_configs=[
        ConfigEntry("log.retention.bytes", "4000", incremental_operation=AlterConfigOpType.SET)])
    admin.incremental_alter_configs([resource])[resource].result(timeout=20)
    wait_until(lambda: low_watermark(broker.bootstrap, plain) > 50, 15, 0.3, "the broker default to apply")
    time.sleep(1.5)
    assert low_watermark(broker.bootstrap, own) == 0, "the topic's own retention.bytes wins"
    described = describe(admin, plain)["retention.bytes"]
    assert (described.value, described.source) == ("4000", 2)  # DYNAMIC_BROKER_CONFIG
    assert describe(admin, "1", ResourceType.BROKER)["log.retention.bytes"].value == "4000"

    refused = ConfigResource(ResourceType.BROKER, "1", incremental_configs=[
        ConfigEntry("num.partitions", "3", incremental_operation=AlterConfigOpType.SET)])
    with pytest.raises(KafkaException) as error:
        admin.incremental_alter_configs([refused])[refused].result(timeout=20)
    assert error.value.args[0].code() == KafkaError.INVALID_CONFIG


def test_kappa_topics_alter_sets_and_deletes_configs(broker, topic):
    b = broker.bootstrap
    ok(kappa("topics", "create", topic, "--config", "retention.ms=60000", "--config", "segment.bytes=100000",
             bootstrap=b))
    assert ok(kappa("topics", "alter", topic, "--config", "retention.bytes=5000", "--delete-config", "segment.bytes",
                    bootstrap=b)).lines() == [f"Completed updating config for topic {topic}."]
    line = ok(kappa("topics", "describe", topic, bootstrap=b)).lines()[0]
    assert line.endswith("Configs: retention.bytes=5000,retention.ms=60000"), line

    refused = kappa("topics", "alter", topic, "--config", "preallocate=true", bootstrap=b)
    assert refused.returncode != 0 and "preallocate" in refused.err, refused.describe()
    missing = kappa("topics", "alter", topic, "--delete-config", "segment.ms", bootstrap=b)
    assert missing.returncode != 0 and "segment.ms" in missing.err, missing.describe()


def test_quixstreams_changelog_topic_is_created_with_what_it_asks(broker, topic):
    """quixstreams creates changelog topics with cleanup.policy=compact plus the source topic's
    retention.ms and retention.bytes (read back with DescribeConfigs), all enforced here."""
    quix = pytest.importorskip("quixstreams")
    from quixstreams.models.topics import TopicAdmin, TopicManager

    admin = admin_for(broker.bootstrap)
    create(admin, topic, {"retention.ms": "3600000"})
    manager = TopicManager(topic_admin=TopicAdmin(broker_address=broker.bootstrap), consumer_group="g")
    source = manager.topic(topic)
    changelog = manager.changelog_topic(stream_id=source.name, store_name="default",
                                        config=manager.derive_topic_config([source]))
    configs = describe(admin, changelog.name)
    assert configs["cleanup.policy"].value == "compact" and configs["cleanup.policy"].source == 1
    assert configs["retention.ms"].value == "3600000"
    assert quix.__version__


# ----------------------------------------------------------------------------------------------
# The dashboard: kafka-configs.sh lines pasted into Kafka-Term.

@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_dashboard_kafka_configs_lines(tmp_path):
    from test_dashboard import Screen

    port = free_port()
    command = (f"{kappa_bin()} --listen 127.0.0.1:{port} --data-dir {tmp_path / 'data'} "
               f"--log-file {tmp_path / 'kappa.log'}; sleep 30")
    screen = Screen(f"kappa-configs-{os.getpid()}", command, 200, 50)
    bootstrap = f"127.0.0.1:{port}"
    try:
        screen.wait_text("kafka>")
        screen.wait_text("listening on 127.0.0.1")
        screen.type("kafka-topics.sh --create --topic cfg --bootstrap-server localhost:9092")
        screen.keys("Enter")
        screen.wait_text("Created topic cfg.")

        screen.type("bin/kafka-configs.sh --bootstrap-server localhost:9092 --alter --entity-type topics "
                    "--entity-name cfg --add-config retention.ms=60000,cleanup.policy=[compact,delete]")
        screen.keys("Enter")
        screen.wait_text("Completed updating config for topic cfg.")
        configs = describe(admin_for(bootstrap), "cfg")
        assert configs["retention.ms"].value == "60000"
        assert configs["cleanup.policy"].value == "compact,delete"

        screen.type("kafka-configs.sh --alter --entity-type topics --entity-name cfg --delete-config cleanup.policy")
        screen.keys("Enter")
        wait_until(lambda: describe(admin_for(bootstrap), "cfg")["cleanup.policy"].value == "delete", 15, 0.3,
                   "cleanup.policy back to its default")

        screen.type("kafka-configs.sh --describe --entity-type topics --entity-name cfg")
        screen.keys("Enter")
        screen.wait_text("Dynamic configs for topic cfg are:")
        screen.wait_text("retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000")

        screen.type("kafka-configs.sh --alter --entity-type topics --entity-name cfg --add-config retention.msec=1")
        screen.keys("Enter")
        screen.wait_text("unknown topic config 'retention.msec'")

        # A broker's dynamic settings: the default of topics without an override of their own.
        screen.type("kafka-configs.sh --alter --entity-type brokers --entity-name 1 --add-config log.retention.bytes=4000")
        screen.keys("Enter")
        screen.wait_text("Completed updating config for broker 1.")
        described = describe(admin_for(bootstrap), "cfg")["retention.bytes"]
        assert (described.value, described.source) == ("4000", 2)
        screen.type("kafka-configs.sh --describe --entity-type brokers --entity-name 1")
        screen.keys("Enter")
        screen.wait_text("Dynamic configs for broker 1 are:")
        screen.wait_text("log.retention.bytes=4000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.bytes=4000")
        screen.type("kafka-configs.sh --alter --entity-type brokers --entity-name 1 --delete-config log.retention.bytes")
        screen.keys("Enter")
        wait_until(lambda: describe(admin_for(bootstrap), "cfg")["retention.bytes"].value == "-1", 15, 0.3,
                   "retention.bytes back to unlimited")
        assert describe(admin_for(bootstrap), "cfg")["retention.ms"].value == "60000"
    finally:
        screen.close()
