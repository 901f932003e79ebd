"""confluent-kafka (librdkafka 2.16): admin, 10,000 keyed records with headers, timestamps, offsets."""
import random
import time
from collections import defaultdict

import pytest
from confluent_kafka import (KafkaError, KafkaException, OFFSET_END, TIMESTAMP_CREATE_TIME,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic

from e2e import confluent_consumer, create_topic, produce, read_all

PARTITIONS = 3


def test_admin_creates_topic_with_three_partitions(broker, topic):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)],
                                  operation_timeout=10, request_timeout=15)
    assert futures[topic].result(timeout=20) is None

    md = admin.list_topics(timeout=10)
    assert len(md.brokers) == 1, md.brokers
    [node] = md.brokers.values()
    assert f"{node.host}:{node.port}" == broker.bootstrap
    assert topic in md.topics, sorted(md.topics)
    t = md.topics[topic]
    assert t.error is None, t.error
    assert sorted(t.partitions) == list(range(PARTITIONS))
    for p in t.partitions.values():
        assert p.error is None, p.error
        assert p.leader == node.id
        assert p.replicas == [node.id] and p.isrs == [node.id]

    again = admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)],
                                operation_timeout=10, request_timeout=15)
    with pytest.raises(KafkaException) as e:
        again[topic].result(timeout=20)
    assert e.value.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS


def make_records(n, seed):
    """n keyed records: 250 distinct keys, binary values, several headers (repeated names, a null
    value, binary), an occasional empty or null value, a distinct create time per record."""
    rnd = random.Random(seed)
    base_ts = int(time.time() * 1000) - 3_600_000
    records = []
    for i in range(n):
        value = f"value-{i}-".encode() + rnd.randbytes(rnd.randrange(0, 64))
        if i % 100 == 99:
            value = b""
        if i % 500 == 499:
            value = None  # tombstone
        headers = [("seq", str(i).encode()), ("bin", rnd.randbytes(rnd.randrange(0, 16))),
                   ("dup", b"first"), ("dup", b"second")]
        if i % 7 == 0:
            headers.append(("null-header", None))
        records.append({"key": f"key-{rnd.randrange(250)}".encode(), "value": value,
                        "headers": headers, "timestamp": base_ts + i})
    return records


def test_ten_thousand_keyed_records_with_headers(broker, topic):
    n = 10_000
    create_topic(broker.bootstrap, topic, PARTITIONS)
    records = make_records(n, seed=1)
    reports = produce(broker.bootstrap, topic, records)

    errors = [(i, err) for i, (err, _, _) in enumerate(reports) if err is not None]
    assert not errors, f"{len(errors)} delivery errors, first: {errors[:3]}"
    key_partitions = defaultdict(set)
    offsets = defaultdict(list)
    for r, (_, part, off) in zip(records, reports):
        key_partitions[r["key"]].add(part)
        offsets[part].append(off)
    assert {k: ps for k, ps in key_partitions.items() if len(ps) > 1} == {}, \
        "a key was delivered to more than one partition"
    assert len(offsets) > 1, "all 250 keys landed in one partition"
    for part, offs in offsets.items():
        assert sorted(offs) == list(range(len(offs))), f"partition {part}: offsets not 0..n-1"

    msgs = read_all(broker.bootstrap, topic, PARTITIONS, timeout=60)
    assert len(msgs) == n, f"read {len(msgs)} records, produced {n}"
    seen = set()
    next_offset = defaultdict(int)
    for m in msgs:
        headers = m.headers()
        assert headers and headers[0][0] == "seq", headers
        i = int(headers[0][1])
        assert i not in seen, f"record {i} read twice"
        seen.add(i)
        r, (_, part, off) = records[i], reports[i]
        assert (m.partition(), m.offset()) == (part, off), f"record {i}"
        assert m.offset() == next_offset[part], f"partition {part}: gap or reorder at {m.offset()}"
        next_offset[part] += 1
        assert m.key() == r["key"], f"record {i}"
        assert m.value() == r["value"], f"record {i}"
        assert headers == r["headers"], f"record {i}"
        assert m.timestamp() == (TIMESTAMP_CREATE_TIME, r["timestamp"]), f"record {i}"
    assert seen == set(range(n))


def test_offsets_for_times_and_watermarks(broker, topic):
    n = 300
    create_topic(broker.bootstrap, topic, PARTITIONS)
    base_ts = int(time.time() * 1000) - 3_600_000
    records = [{"key": f"k{i}".encode(), "value": f"v{i}".encode(), "timestamp": base_ts + 1000 * i}
               for i in range(n)]
    reports = produce(broker.bootstrap, topic, records, **{"linger.ms": 50})
    assert all(err is None for err, _, _ in reports), [e for e, _, _ in reports if e][:3]

    by_part = defaultdict(list)  # partition -> [(offset, timestamp)] in offset order
    for r, (_, part, off) in zip(records, reports):
        by_part[part].append((off, r["timestamp"]))
    for entries in by_part.values():
        entries.sort()

    c = confluent_consumer(broker.bootstrap)
    try:
        for part in range(PARTITIONS):
            low, high = c.get_watermark_offsets(TopicPartition(topic, part), timeout=10, cached=False)
            assert (low, high) == (0, len(by_part[part])), f"partition {part}"

        # Kafka answers with the first record whose timestamp is >= the query, inside a batch too
        # (librdkafka batches many of these records together). One query per partition and call:
        # a ListOffsets request names each partition once.
        def case(pick):
            return {part: pick(entries) for part, entries in by_part.items()}

        cases = {
            "before the first record": case(lambda e: (e[0][1] - 10_000, 0)),
            "a record's exact timestamp": case(lambda e: (e[len(e) // 2][1], e[len(e) // 2][0])),
            "between two records": case(lambda e: (e[len(e) // 2][1] - 500, e[len(e) // 2][0])),
            "the second record": case(lambda e: (e[1][1] - 1, e[1][0])),
            "after the last record": case(lambda e: (e[-1][1] + 10_000, OFFSET_END)),
        }
        for name, want in cases.items():
            got = c.offsets_for_times([TopicPartition(topic, part, ts)
                                       for part, (ts, _) in sorted(want.items())], timeout=15)
            assert all(tp.error is None for tp in got), (name, [tp.error for tp in got])
            assert {tp.partition: tp.offset for tp in got} == \
                {part: off for part, (_, off) in want.items()}, name
    finally:
        c.close()
