"""Durability: records survive a clean restart and, with --flush always, a kill -9; one broker per
data directory."""
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from e2e import create_topic, produce, read_all

PARTITIONS = 2


def records(n, tag):
    return [{"key": f"{tag}-key-{i % 37}".encode(), "value": f"{tag} value {i} ".encode() * 3,
             "headers": [("i", str(i).encode())]} for i in range(n)]


def stored(msgs):
    """{(partition, offset): (key, value, headers)} of records read back."""
    return {(m.partition(), m.offset()): (m.key(), m.value(), m.headers()) for m in msgs}


def expected(recs, reports):
    errors = [err for err, _, _ in reports if err is not None]
    assert not errors, f"{len(errors)} delivery errors, first: {errors[:3]}"
    return {(part, off): (r["key"], r["value"], r["headers"])
            for r, (_, part, off) in zip(recs, reports)}


def test_records_survive_clean_restart(kappa_factory, topic):
    b = kappa_factory()
    create_topic(b.bootstrap, topic, PARTITIONS)
    first = records(2000, "before")
    want = expected(first, produce(b.bootstrap, topic, first))

    b.restart()  # SIGTERM (asserts a clean exit), then the same port and data dir

    md = AdminClient({"bootstrap.servers": b.bootstrap}).list_topics(topic=topic, timeout=10)
    assert len(md.topics[topic].partitions) == PARTITIONS, "partition count lost on restart"
    assert stored(read_all(b.bootstrap, topic, PARTITIONS)) == want

    # appends continue after the old end instead of overwriting it
    ends = {p: sum(1 for (q, _) in want if q == p) for p in range(PARTITIONS)}
    second = records(300, "after")
    reports = produce(b.bootstrap, topic, second)
    more = expected(second, reports)
    for part in range(PARTITIONS):
        offs = sorted(off for (p, off) in more if p == part)
        assert offs == list(range(ends[part], ends[part] + len(offs))), f"partition {part}"
    want.update(more)
    assert stored(read_all(b.bootstrap, topic, PARTITIONS)) == want


def test_acknowledged_records_survive_kill_9(kappa_factory, topic):
    b = kappa_factory(args=["--flush", "always"])
    create_topic(b.bootstrap, topic, PARTITIONS)
    recs = records(1000, "acked")
    want = expected(recs, produce(b.bootstrap, topic, recs, acks="all"))

    b.kill()  # SIGKILL right after the last acknowledgement
    b.start()
    assert stored(read_all(b.bootstrap, topic, PARTITIONS)) == want


def test_kill_9_while_producing_keeps_every_acknowledged_record(kappa_factory, topic):
    b = kappa_factory(args=["--flush", "always"])
    create_topic(b.bootstrap, topic, PARTITIONS)
    recs = records(50_000, "inflight")
    acked = {}  # (partition, offset) -> (key, value); delivery reports carry no headers
    failed = []

    def on_delivery(err, msg):
        if err is None:
            acked[(msg.partition(), msg.offset())] = (msg.key(), msg.value())
        else:
            failed.append(err)

    p = Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 2,
                  "message.timeout.ms": 20000, "reconnect.backoff.max.ms": 1000})
    killed = False
    deadline = time.monotonic() + 60
    for r in recs:
        while True:
            try:
                p.produce(topic, key=r["key"], value=r["value"], headers=r["headers"],
                          on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        if len(acked) >= 3000:
            b.kill()  # records are in flight now: some acknowledged, some not
            killed = True
            break
        assert time.monotonic() < deadline, f"only {len(acked)} acknowledgements in 60 s"
    assert killed, "the producer finished before the broker could be killed"
    p.poll(1.0)  # late callbacks: only the broker's answers before the kill can be successes
    p.purge()
    p.flush(5)
    del p
    acked_at_kill = dict(acked)

    b.start()
    got = stored(read_all(b.bootstrap, topic, PARTITIONS, timeout=60))
    missing = {k: v for k, v in acked_at_kill.items() if got.get(k, (None, None))[:2] != v}
    assert not missing, (f"{len(missing)} of {len(acked_at_kill)} acknowledged records lost or "
                         f"changed, e.g. {sorted(missing)[:5]}")


def test_second_broker_on_same_data_dir_is_refused(kappa_factory, topic):
    first = kappa_factory()
    create_topic(first.bootstrap, topic)
    second = kappa_factory(data_dir=first.data_dir, wait=False, name="intruder")
    rc = second.wait_exit(10)
    assert rc is not None, "a second broker on a locked data dir is still running after 10 s"
    assert rc > 0, f"the second broker should exit with an error status, got {rc}"
    err = second.stderr_text()
    assert "lock" in err.lower() or str(first.data_dir) in err, \
        f"stderr does not say why (no 'lock', no data dir path):\n{err[-2000:]}"

    first.assert_alive()
    recs = records(20, "still")
    want = expected(recs, produce(first.bootstrap, topic, recs))
    assert stored(read_all(first.bootstrap, topic, 1)) == want
