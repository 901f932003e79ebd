"""Log compaction (issue 12): a compacted topic keeps the latest record of each key, removes
tombstones after delete.retention.ms, and survives a SIGKILL in the middle of a cleaning.

KAPPA_SOAK=1 runs the kill loop for 30 rounds instead of 4.
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from e2e import read_all, wait_until

SOAK = bool(os.environ.get("KAPPA_SOAK"))
KEYS = 1000


def create_compacted(bootstrap: str, name: str, **overrides) -> None:
    config = {"cleanup.policy": "compact", "segment.bytes": "65536", "segment.ms": "1500",
              "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "1000", "min.compaction.lag.ms": "0"}
    config.update({k.replace("_", "."): str(v) for k, v in overrides.items()})
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1, config=config)],
                                  operation_timeout=10, request_timeout=15)
    futures[name].result(timeout=20)

    def ready():
        t = admin.list_topics(topic=name, timeout=5).topics.get(name)
        return t is not None and t.error is None and len(t.partitions) == 1

    wait_until(ready, 20, interval=0.2, what=f"topic {name}")


def produce(bootstrap: str, topic: str, records: list[tuple[str, str | None]], batch_size: int = 16384) -> None:
    """Produces (key, value) pairs in order (value None = tombstone) and waits for every ack. Batches
    stay below the topic's small segment.bytes (a larger batch is refused, as Kafka refuses it)."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all", "enable.idempotence": True,
                  "batch.size": batch_size, "message.timeout.ms": 30_000})
    failed = []

    def report(err, msg):
        if err is not None:
            failed.append(err)

    for key, value in records:
        while True:
            try:
                p.produce(topic, key=key.encode(), value=None if value is None else value.encode(), on_delivery=report)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    assert p.flush(60) == 0, "records still undelivered after 60 s"
    assert not failed, f"delivery failed: {failed[:3]}"


def confluent_view(bootstrap: str, topic: str) -> list[tuple[int, str, str | None]]:
    msgs = read_all(bootstrap, topic, 1, timeout=60, **{"check.crcs": True})
    return [(m.offset(), m.key().decode(), None if m.value() is None else m.value().decode()) for m in msgs]


def live(view) -> dict[str, str]:
    """The latest value of each key whose latest record is not a tombstone."""
    latest: dict[str, str | None] = {}
    for _, key, value in view:
        latest[key] = value
    return {k: v for k, v in latest.items() if v is not None}


def expected_after(updates: int, tombstoned: int) -> dict[str, str]:
    return {f"k{j}": str(updates - KEYS + j) for j in range(tombstoned, KEYS)}


@pytest.mark.timeout(300)
def test_a_compacted_topic_keeps_the_latest_value_of_each_key_and_drops_deleted_keys(kappa_factory):
    b = kappa_factory()
    topic = f"compact-{uuid.uuid4().hex[:8]}"
    create_compacted(b.bootstrap, topic)
    updates, tombstones = 200_000, 100
    produce(b.bootstrap, topic, [(f"k{i % KEYS}", str(i)) for i in range(updates)])
    produce(b.bootstrap, topic, [(f"k{j}", None) for j in range(tombstones)])
    expected = expected_after(updates, tombstones)
    end = updates + tombstones

    # segment.ms rolls the idle active segment, the cleaner compacts it all, and once
    # delete.retention.ms has passed a later pass removes the tombstones.
    view = []

    def compacted():
        nonlocal view
        view = confluent_view(b.bootstrap, topic)
        return len(view) == len(expected) and live(view) == expected

    wait_until(compacted, 180, interval=2.0, what=f"{topic} compacted to {len(expected)} live keys")
    offsets = [o for o, _, _ in view]
    assert offsets == sorted(set(offsets)), "offsets are not increasing"
    assert offsets[-1] < end and offsets[0] > 0, f"offsets {offsets[0]}..{offsets[-1]} do not keep the gaps"
    assert all(v is not None for _, _, v in view), "a tombstone survived delete.retention.ms"
    assert {k for _, k, _ in view}.isdisjoint({f"k{j}" for j in range(tombstones)})
    # Each surviving record has the offset it was written at.
    assert all(o == int(v) for o, _, v in view), "a record's offset changed"
    log = b.all_logs()
    assert "cleaned " in log and " records removed" in log

    # kafka-python reads the same records.
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=b.bootstrap, enable_auto_commit=False, consumer_timeout_ms=3000,
                      check_crcs=True)
    try:
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        c.seek_to_beginning(tp)
        got = [(m.offset, m.key.decode(), m.value.decode() if m.value is not None else None) for m in c]
    finally:
        c.close()
    assert got == view, f"kafka-python read {len(got)} records, confluent-kafka {len(view)}"

    # kcat too.
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    assert kcat, "kcat is not installed: run scripts/setup.sh"
    r = subprocess.run([kcat, "-b", b.bootstrap, "-t", topic, "-C", "-o", "beginning", "-e", "-q",
                        "-f", "%o %k %s\n"], capture_output=True, timeout=60, text=True)
    assert r.returncode == 0, r.stderr
    lines = [line.split(" ") for line in r.stdout.splitlines()]
    assert [(int(o), k, v) for o, k, v in lines] == view
    b.assert_alive()


@pytest.mark.soak
@pytest.mark.timeout(3600 if SOAK else 300)
def test_sigkill_during_cleaning_keeps_the_latest_values(kappa_factory, tmp_path):
    rounds = 30 if SOAK else 4
    rng = random.Random(int(os.environ.get("KAPPA_CRASH_SEED", time.time_ns())))
    b = kappa_factory(data_dir=tmp_path / "data")
    topic = f"compact-kill-{uuid.uuid4().hex[:8]}"
    # Small segments that roll after 300 ms idle: the cleaner has work whenever the broker runs.
    create_compacted(b.bootstrap, topic, segment_bytes=16384, segment_ms=300, delete_retention_ms=500)
    expected: dict[str, str | None] = {}
    n = 0
    cut_passes = 0
    for round_no in range(rounds):
        batch = []
        for _ in range(20_000):
            key = f"k{rng.randrange(KEYS)}"
            value = None if rng.random() < 0.01 else f"{round_no}-{n}"
            batch.append((key, value))
            n += 1
        produce(b.bootstrap, topic, batch, batch_size=4096)
        for key, value in batch:
            expected[key] = value
        # Kill at a random moment of the next pass (a pass of this size takes a few hundred ms).
        started = f"cleaning {topic}-0: "
        finished = f"cleaned {topic}-0: "
        starts_before = b.all_logs().count(started)
        wait_until(lambda: b.all_logs().count(started) > starts_before, 30, interval=0.01, what="a cleaning pass")
        finished_before = b.all_logs().count(finished)
        time.sleep(rng.uniform(0, 0.6))
        b.kill()
        cut = b.all_logs().count(finished) == finished_before
        cut_passes += 1 if cut else 0
        b.start()
        view = confluent_view(b.bootstrap, topic)
        offsets = [o for o, _, _ in view]
        assert offsets == sorted(set(offsets)), f"round {round_no}: offsets not increasing"
        want = {k: v for k, v in expected.items() if v is not None}
        got = live(view)
        missing = sorted(set(want) - set(got))[:5]
        wrong = sorted(k for k in want if k in got and got[k] != want[k])[:5]
        back = sorted(set(got) - set(want))[:5]
        assert got == want, (f"round {round_no}: {len(missing)} missing (e.g. {missing}), wrong values for "
                             f"{wrong}, deleted keys back: {back}")
        print(f"round {round_no}: killed {'during' if cut else 'after'} a pass, "
              f"{len(view)} records stored for {len(want)} live keys")
    # The log compacts fully after all the kills.
    want = {k: v for k, v in expected.items() if v is not None}
    view = []

    def compacted():
        nonlocal view
        view = confluent_view(b.bootstrap, topic)
        return len(view) == len(want) and live(view) == want

    wait_until(compacted, 120, interval=2.0, what="full compaction after the kills")
    warnings = [line for line in b.all_logs().splitlines() if "unfinished cleaning" in line or "finished the swap" in line]
    assert cut_passes > 0, "no kill landed in the middle of a cleaning pass"
    print(f"\ncompaction kill loop: {rounds} rounds, {n} updates, {cut_passes} kills in the middle of a pass, "
          f"{len(warnings)} swap recoveries logged")


@pytest.mark.timeout(300)
def test_consumers_reading_while_the_log_is_cleaned_see_a_consistent_log(kappa_factory):
    """Readers in the middle of a cleaning: consumers read the topic from the beginning again and
    again while updates arrive and passes swap segments; every read has increasing offsets, valid
    CRCs, each key's values in the order they were written, and ends with the latest values."""
    b = kappa_factory()
    topic = f"compact-read-{uuid.uuid4().hex[:8]}"
    create_compacted(b.bootstrap, topic, segment_bytes=16384, segment_ms=300)
    reads = 0
    n = 0
    deadline = time.monotonic() + 12
    while time.monotonic() < deadline or reads < 3:
        produce(b.bootstrap, topic, [(f"k{i % 200}", str(n + i)) for i in range(5_000)], batch_size=4096)
        n += 5_000
        view = confluent_view(b.bootstrap, topic)
        reads += 1
        offsets = [o for o, _, _ in view]
        assert offsets == sorted(set(offsets)), f"read {reads}: offsets not increasing"
        assert all(o == int(v) for o, _, v in view), f"read {reads}: a record's offset changed"
        seen: dict[str, int] = {}
        for o, k, v in view:
            assert int(v) > seen.get(k, -1), f"read {reads}: {k} went back from {seen[k]} to {v}"
            seen[k] = int(v)
        assert seen == {f"k{j}": n - 200 + j for j in range(200)}, f"read {reads}: latest values wrong"
    finished = b.all_logs().count(f"cleaned {topic}-0: ")
    assert finished >= 2, f"only {finished} cleaning passes ran during {reads} reads"
    print(f"\n{reads} reads of {topic} while {finished} passes ran, {n} updates")
