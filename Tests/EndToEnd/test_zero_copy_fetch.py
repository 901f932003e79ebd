"""Large fetches are answered with file regions (sendfile): the record bytes go from the log file to
the socket without being copied into the broker. These tests read ~8 MB over four partitions with
every client (confluent-kafka with check.crcs, kafka-python, aiokafka, kcat), after a restart (data
found on disk is copied and CRC-checked the first time instead), with new data appended behind it,
and over TLS (which must encrypt in memory, so it never gets a file region)."""
from __future__ import annotations

import asyncio
import shutil
import subprocess

from e2e import create_topic, produce, read_all

PARTITIONS = 4
RECORDS = 16_000
VALUE_BYTES = 500
CLIENT_TIMEOUT = 60


def records(start: int, count: int):
    """Keyed records whose values say where they came from, padded to VALUE_BYTES."""
    return [{"key": f"k{i % 97}".encode(), "value": f"v{i}:".encode().ljust(VALUE_BYTES, b"z")}
            for i in range(start, start + count)]


def expected_by_partition(reports, sent):
    """partition -> [(offset, value)] in offset order, from the delivery reports."""
    by_partition: dict[int, list[tuple[int, bytes]]] = {}
    for (err, partition, offset), r in zip(reports, sent):
        assert err is None, err
        by_partition.setdefault(partition, []).append((offset, r["value"]))
    return {p: sorted(v) for p, v in by_partition.items()}


def assert_confluent_reads(bootstrap, topic, expected, **extra):
    msgs = read_all(bootstrap, topic, PARTITIONS, timeout=CLIENT_TIMEOUT, **{"check.crcs": True, **extra})
    got: dict[int, list[tuple[int, bytes]]] = {}
    for m in msgs:
        got.setdefault(m.partition(), []).append((m.offset(), m.value()))
    assert {p: len(v) for p, v in got.items()} == {p: len(v) for p, v in expected.items()}
    assert got == expected


def produce_big(bootstrap, topic, start=0, count=RECORDS):
    sent = records(start, count)
    reports = produce(bootstrap, topic, sent, **{"linger.ms": 20, "batch.size": 256 * 1024})
    return reports, sent


def test_every_client_reads_large_fetches_whole(kappa_factory, topic):
    b = kappa_factory()
    create_topic(b.bootstrap, topic, PARTITIONS)
    reports, sent = produce_big(b.bootstrap, topic)
    expected = expected_by_partition(reports, sent)
    assert len(expected) == PARTITIONS
    assert_confluent_reads(b.bootstrap, topic, expected)

    # kafka-python: its own decoder checks every batch's CRC as well.
    from kafka import KafkaConsumer, TopicPartition

    c = KafkaConsumer(bootstrap_servers=b.bootstrap, enable_auto_commit=False, consumer_timeout_ms=5000,
                      max_partition_fetch_bytes=4 << 20, check_crcs=True)
    c.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
    c.seek_to_beginning()
    got: dict[int, list[tuple[int, bytes]]] = {}
    for m in c:
        got.setdefault(m.partition, []).append((m.offset, m.value))
        if sum(len(v) for v in got.values()) == RECORDS:
            break
    c.close()
    assert got == expected

    async def aiokafka_read():
        from aiokafka import AIOKafkaConsumer
        from aiokafka.structs import TopicPartition as TP

        consumer = AIOKafkaConsumer(bootstrap_servers=b.bootstrap, enable_auto_commit=False,
                                    max_partition_fetch_bytes=2 << 20, check_crcs=True)
        await consumer.start()
        try:
            consumer.assign([TP(topic, p) for p in range(PARTITIONS)])
            await consumer.seek_to_beginning()
            out: dict[int, list[tuple[int, bytes]]] = {}
            count = 0
            while count < RECORDS:
                batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), CLIENT_TIMEOUT)
                for tp, msgs in batch.items():
                    out.setdefault(tp.partition, []).extend((m.offset, m.value) for m in msgs)
                    count += len(msgs)
            return out
        finally:
            await consumer.stop()

    assert asyncio.run(aiokafka_read()) == expected

    kcat = shutil.which("kcat")
    assert kcat, "kcat is not installed: run scripts/setup.sh"
    r = subprocess.run([kcat, "-b", b.bootstrap, "-t", topic, "-C", "-o", "beginning", "-e", "-q",
                        "-X", "check.crcs=true", "-f", "%p %o %s\\n"], capture_output=True, timeout=CLIENT_TIMEOUT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    got = {}
    for line in r.stdout.split(b"\n"):
        if line:
            p, o, v = line.split(b" ", 2)
            got.setdefault(int(p), []).append((int(o), v))
    assert {p: sorted(v) for p, v in got.items()} == expected
    b.assert_alive()


def test_data_found_at_start_up_and_appended_after_it(kappa_factory, topic):
    b = kappa_factory()
    create_topic(b.bootstrap, topic, PARTITIONS)
    reports, sent = produce_big(b.bootstrap, topic, count=RECORDS // 2)
    expected = expected_by_partition(reports, sent)
    b.restart()
    # Found on disk: served by copying and checking CRCs, then appended data right behind it.
    more_reports, more_sent = produce_big(b.bootstrap, topic, start=RECORDS // 2, count=RECORDS // 2)
    for p, values in expected_by_partition(more_reports, more_sent).items():
        expected.setdefault(p, []).extend(values)
    assert_confluent_reads(b.bootstrap, topic, expected)
    # Twice: the second read of the old data comes from verified ranges.
    assert_confluent_reads(b.bootstrap, topic, expected, **{"fetch.max.bytes": 1 << 20})
    b.assert_alive()


def test_tls_connections_get_copied_answers(kappa_factory, certificate, topic):
    cert, key = certificate
    b = kappa_factory(args=["--tls-cert", str(cert), "--tls-key", str(key)])
    tls = {"security.protocol": "SSL", "ssl.ca.location": str(cert)}
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": b.bootstrap, **tls})
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])[topic].result(20)
    sent = records(0, RECORDS // 2)
    reports = produce(b.bootstrap, topic, sent, **{"linger.ms": 20, **tls})
    assert_confluent_reads(b.bootstrap, topic, expected_by_partition(reports, sent), **tls)
    b.assert_alive()
