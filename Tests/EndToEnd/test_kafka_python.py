"""kafka-python: 3.x in this process (idempotent producer by default), 2.0.2 (the course's version)
in a subprocess with .venv-kp2's interpreter. No consumer groups: assigned partitions only."""
import json
import subprocess
import time
from collections import defaultdict

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from e2e import VENV_KP2_PY, create_topic

PARTITIONS = 2


def poll_until(consumer, n, timeout=30.0):
    """Polls an assigned kafka-python consumer until it has n records (or fails)."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < n:
        assert time.monotonic() < deadline, f"read {len(got)} of {n} records in {timeout:.0f} s"
        for recs in consumer.poll(timeout_ms=500).values():
            got.extend(recs)
    return got


def test_kafka_python3_idempotent_produce_and_assigned_read(broker, topic):
    n = 200
    create_topic(broker.bootstrap, topic, PARTITIONS)
    base_ts = int(time.time() * 1000) - 3_600_000
    sent = [{"key": f"key-{i % 17}".encode(), "value": f"value {i} ".encode() * (i % 5 + 1),
             "headers": [("i", str(i).encode()), ("h", b"\x00\xff")], "ts": base_ts + 1000 * i}
            for i in range(n)]

    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, request_timeout_ms=15000,
                             max_block_ms=20000, linger_ms=5)
    try:
        assert producer.config["enable_idempotence"], "kafka-python 3 turned idempotence off"
        futures = [producer.send(topic, key=s["key"], value=s["value"], headers=s["headers"],
                                 timestamp_ms=s["ts"]) for s in sent]
        metas = [f.get(timeout=20) for f in futures]
        pid = producer._transaction_manager.producer_id_and_epoch.producer_id
    finally:
        producer.close(timeout=10)
    assert pid >= 0, "no producer id from InitProducerId"

    by_part = defaultdict(list)  # partition -> [(offset, index)] in send order
    key_part = {}
    for i, m in enumerate(metas):
        assert m.topic == topic
        assert m.timestamp == sent[i]["ts"], f"record {i}: CreateTime not kept"
        assert key_part.setdefault(sent[i]["key"], m.partition) == m.partition
        by_part[m.partition].append((m.offset, i))
    for part, entries in by_part.items():
        assert [o for o, _ in entries] == list(range(len(entries))), f"partition {part} offsets"

    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None,
                             enable_auto_commit=False, request_timeout_ms=15000)
    try:
        consumer.assign(tps)
        consumer.seek_to_beginning()
        got = poll_until(consumer, n)
        index = {(metas[i].partition, metas[i].offset): i for i in range(n)}
        assert len({(r.partition, r.offset) for r in got}) == n
        for r in got:
            i = index[(r.partition, r.offset)]
            assert (r.key, r.value) == (sent[i]["key"], sent[i]["value"]), f"record {i}"
            assert list(r.headers) == sent[i]["headers"], f"record {i}"
            assert r.timestamp == sent[i]["ts"], f"record {i}"

        assert consumer.beginning_offsets(tps) == {tp: 0 for tp in tps}
        assert consumer.end_offsets(tps) == {tp: len(by_part[tp.partition]) for tp in tps}

        queries, expected = {}, {}
        for tp in tps:
            off, i = by_part[tp.partition][len(by_part[tp.partition]) // 2]
            queries[tp] = sent[i]["ts"] - 1  # just before that record: finds it
            expected[tp] = (off, sent[i]["ts"])
        found = consumer.offsets_for_times(queries)
        assert {tp: (v.offset, v.timestamp) for tp, v in found.items()} == expected
        after = consumer.offsets_for_times({tp: base_ts + 1000 * n for tp in tps})
        assert after == {tp: None for tp in tps}, "a timestamp after every record finds nothing"
    finally:
        consumer.close()


KP2_SCRIPT = r"""
import json, sys, time
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
import kafka
assert kafka.__version__ == "2.0.2", kafka.__version__
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

producer = KafkaProducer(bootstrap_servers=[bootstrap], request_timeout_ms=15000, max_block_ms=20000)
futures = [producer.send(topic, key=("k%d" % (i % 7)).encode(), value=("v%d" % i).encode(),
                         headers=[("i", str(i).encode())]) for i in range(n)]
sent = [[m.partition, m.offset] for m in (f.get(timeout=20) for f in futures)]
producer.close(timeout=10)

tps = [TopicPartition(topic, p) for p in range(int(sys.argv[4]))]
consumer = KafkaConsumer(bootstrap_servers=[bootstrap], group_id=None, enable_auto_commit=False,
                         request_timeout_ms=15000)
consumer.assign(tps)
consumer.seek_to_beginning()
read, deadline = [], time.monotonic() + 30
while len(read) < n and time.monotonic() < deadline:
    for recs in consumer.poll(timeout_ms=500).values():
        read.extend([r.partition, r.offset, r.key.decode(), r.value.decode(),
                     [[k, v.decode()] for k, v in r.headers]] for r in recs)
ends = {str(tp.partition): off for tp, off in consumer.end_offsets(tps).items()}
consumer.close()
print(json.dumps({"sent": sent, "read": read, "end_offsets": ends}))
"""


def test_kafka_python2_produce_and_assigned_read(broker, topic, tmp_path):
    n = 50
    create_topic(broker.bootstrap, topic, PARTITIONS)
    script = tmp_path / "kp2_roundtrip.py"
    script.write_text(KP2_SCRIPT)
    r = subprocess.run([str(VENV_KP2_PY), str(script), broker.bootstrap, topic, str(n),
                        str(PARTITIONS)], capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, f"kafka-python 2.0.2 script failed:\n{r.stderr[-4000:]}"
    out = json.loads(r.stdout.strip().splitlines()[-1])

    sent = out["sent"]
    assert len(sent) == n
    per_part = defaultdict(list)
    for part, off in sent:
        per_part[part].append(off)
    for part, offs in per_part.items():
        assert offs == list(range(len(offs))), f"partition {part} offsets {offs}"
    assert out["end_offsets"] == {str(p): len(per_part[p]) for p in range(PARTITIONS)}

    read = sorted(out["read"])
    expected = sorted([p, o, f"k{i % 7}", f"v{i}", [["i", str(i)]]] for i, (p, o) in enumerate(sent))
    assert read == expected
