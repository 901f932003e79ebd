"""Transactions under faults.

(a) The broker (--flush always) is SIGKILLed and restarted, in a bounded loop, while a
    transactional consume-transform-produce application (txn_support.ctp_main, a subprocess)
    moves an input topic to an output topic. The application handles errors the standard way
    (abortable: abort and rewind to the committed offsets; fatal or fenced: a new producer with the
    same transactional.id). Afterwards the output read with read_committed holds every input record
    exactly once, in input order, no record of a transaction the application saw aborted is
    visible, and the group's committed offsets are the input's end offsets.
(b) A transaction left open by a SIGKILLed producer (transaction.timeout.ms 3000) holds the last
    stable offset back (read_committed sees nothing of it, nor of the records written after it)
    until its timeout; then the broker aborts it: the LSO moves past it, read_uncommitted sees its
    records, read_committed does not.
(c) The application of (a) through a TCP proxy that cuts its connections at random moments (the
    broker advertises the proxy's address, so that all traffic goes through it): the same result.
(a) and (c) run with two versions of the application: confluent-kafka (txn_support.ctp_main) and
kafka-python 3 (txn_support.kp_ctp_main).

KAPPA_SOAK=1 makes (a) and (c) longer (more records, more kills and cuts). KAPPA_TXN_SEED=N repeats
a run's random choices; KAPPA_TXN_DEBUG=eos,protocol,... turns librdkafka's debug log on in the
application (its log is attached to a failure).
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, OFFSET_BEGINNING, Producer, TopicPartition

from e2e import create_topic, free_port, produce
from txn_support import (TcpProxy, end_offsets, group_offsets, last_stable_offsets, read_committed,
                         read_uncommitted, start_ctp, transform, txn_producer_conf, values)

SOAK = bool(os.environ.get("KAPPA_SOAK"))
PARTITIONS = 3
SEED = int(os.environ.get("KAPPA_TXN_SEED", time.time_ns() % 1_000_000))


class Journal:
    """Reads the application's JSON-lines journal from its stdout in a thread."""

    def __init__(self, proc: subprocess.Popen, path: Path):
        self.proc = proc
        self.path = path  # a copy of every line, for a look after a failure
        self.events: list[dict] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        with open(self.path, "wb") as copy:
            for line in self.proc.stdout:
                copy.write(line)
                copy.flush()
                self._add(line)

    def _add(self, line: bytes):
        try:
            self.events.append(json.loads(line))
        except ValueError:
            self.events.append({"event": "junk", "line": line.decode(errors="replace")})

    def join(self, timeout: float):
        self._thread.join(timeout)

    def tags(self, event: str) -> set[str]:
        return {e["tag"] for e in self.events if e["event"] == event}

    def count(self, event: str) -> int:
        return sum(1 for e in self.events if e["event"] == event)

    def summary(self) -> str:
        kinds = defaultdict(int)
        for e in self.events:
            kinds[e["event"]] += 1
        return ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))

    def tail(self, n: int = 30) -> str:
        return "\n".join(json.dumps(e) for e in self.events[-n:])


def fill_input(bootstrap: str, topic: str, n: int) -> dict[int, list[str]]:
    """n records (value "v<i>", key "k<i>"); returns the expected output per partition."""
    produce(bootstrap, topic, [{"key": f"k{i}".encode(), "value": f"v{i}".encode()}
                               for i in range(n)])
    expected: dict[int, list[str]] = defaultdict(list)
    for m in read_committed(bootstrap, topic, PARTITIONS):
        expected[m.partition()].append(transform(m.partition(), m.offset(), m.value()).decode())
    assert sum(len(v) for v in expected.values()) == n
    return dict(expected)


def check_exactly_once(bootstrap: str, src: str, dst: str, group: str, expected: dict[int, list[str]],
                       journal: Journal):
    out = read_committed(bootstrap, dst, PARTITIONS, timeout=60)
    got: dict[int, list[str]] = defaultdict(list)
    tags_seen: dict[str, int] = defaultdict(int)
    for m in out:
        got[m.partition()].append(m.value().decode())
        tags_seen[dict(m.headers() or [])["txn"].decode()] += 1
    for p in range(PARTITIONS):
        g, e = got.get(p, []), expected.get(p, [])
        if g != e:
            dup = sorted({v for v in g if g.count(v) > 1})
            lost = sorted(set(e) - set(g))
            pytest.fail(f"partition {p}: read_committed output is not each input record once in order: "
                        f"{len(g)} records for {len(e)} inputs, {len(dup)} duplicated (first {dup[:5]}), "
                        f"{len(lost)} lost (first {lost[:5]})\njournal: {journal.summary()} (seed {SEED})")
    committed, aborted, unknown = journal.tags("committed"), journal.tags("aborted"), journal.tags("unknown")
    visible_aborted = sorted(set(tags_seen) & aborted)
    assert not visible_aborted, f"records of aborted transactions visible under read_committed: {visible_aborted[:10]}"
    strangers = sorted(set(tags_seen) - committed - unknown)
    assert not strangers, f"visible records of transactions the application never committed: {strangers[:10]}"
    records_of = {e["tag"]: e["records"] for e in journal.events if e["event"] == "committed"}
    partial = [(t, tags_seen.get(t, 0), n) for t, n in records_of.items() if tags_seen.get(t, 0) != n]
    assert not partial, f"committed transactions not wholly visible (tag, visible, produced): {partial[:10]}"
    ends = end_offsets(bootstrap, src, PARTITIONS)
    assert group_offsets(bootstrap, group, src, PARTITIONS) == ends, "the group's offsets are not the input's end"
    uncommitted = read_uncommitted(bootstrap, dst, PARTITIONS, timeout=60)
    return {"output": len(out), "read_uncommitted": len(uncommitted), "committed_txns": len(committed),
            "aborted_txns": len(aborted), "unknown_txns": len(unknown),
            "visible_unknown": len(set(tags_seen) & unknown)}


def run_app(bootstrap: str, tmp_path: Path, n: int, deadline_s: float, name: str, client: str = "confluent",
            **extra):
    src, dst = f"{name}-in-{uuid.uuid4().hex[:6]}", f"{name}-out-{uuid.uuid4().hex[:6]}"
    create_topic(bootstrap, src, PARTITIONS)
    create_topic(bootstrap, dst, PARTITIONS)
    expected = fill_input(bootstrap, src, n)
    ends = end_offsets(bootstrap, src, PARTITIONS)
    config = {"bootstrap": bootstrap, "input": src, "output": dst, "group": f"{name}-group-{uuid.uuid4().hex[:6]}",
              "txn_id": f"{name}-txn-{uuid.uuid4().hex[:6]}", "ends": ends, "deadline_s": deadline_s,
              "batch": 20, "seed": SEED, "debug": os.environ.get("KAPPA_TXN_DEBUG"), **extra}
    log = tmp_path / f"{name}-app.log"
    proc = start_ctp(config, log, client)
    return proc, Journal(proc, tmp_path / f"{name}-journal.jsonl"), config, expected, log


def finish_app(proc: subprocess.Popen, journal: Journal, log: Path, timeout: float) -> int:
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        rc = proc.wait(10)
    journal.join(10)
    if rc != 0:
        text = log.read_text(errors="replace") if log.exists() else ""
        pytest.fail(f"the application exited with {rc}; journal: {journal.summary()}\n{journal.tail()}\n"
                    f"--- its log (end) ---\n{text[-6000:]}")
    return rc


# ----------------------------------------------------------------------------------------------
# (a) SIGKILL during a transactional storm

@pytest.mark.soak
@pytest.mark.timeout(3600 if SOAK else 200)
@pytest.mark.parametrize("client", ["confluent", "kafka-python"])
def test_sigkill_during_transactional_consume_transform_produce(kappa_factory, tmp_path, client):
    n, kills_wanted = (20_000, 30) if SOAK else (1_500, 4)
    rng = random.Random(SEED)
    b = kappa_factory(data_dir=tmp_path / "data", args=["--flush", "always"])
    deadline_s = 3000 if SOAK else 150
    proc, journal, config, expected, log = run_app(b.bootstrap, tmp_path, n, deadline_s, "kill", client,
                                                   pace_s=0.02)
    kills = 0
    started = time.monotonic()
    while kills < kills_wanted and proc.poll() is None and time.monotonic() - started < deadline_s - 30:
        time.sleep(rng.uniform(0.5, 2.5))
        if proc.poll() is not None:
            break
        b.kill()
        kills += 1
        time.sleep(rng.uniform(0.0, 0.5))
        b.start()
    finish_app(proc, journal, log, deadline_s + 30)
    b.assert_alive()
    assert kills >= 1, "the application finished before the first kill: nothing was tested"
    stats = check_exactly_once(b.bootstrap, config["input"], config["output"], config["group"], expected, journal)
    print(f"\nSIGKILL storm, {client} (seed {SEED}): {n} records moved exactly once through {kills} kills in "
          f"{time.monotonic() - started:.1f} s; {stats}; journal: {journal.summary()} (seed {SEED})")


# ----------------------------------------------------------------------------------------------
# (b) a transaction left open by a killed producer is aborted at its timeout

HANGING_PRODUCER = r"""
import json, sys, time
from confluent_kafka import Producer
bootstrap, topic, txn_id, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "transaction.timeout.ms": 3000,
              "message.timeout.ms": 3000, "linger.ms": 0})
p.init_transactions(20)
p.begin_transaction()
before = time.monotonic()
for i in range(n):
    p.produce(topic, value=("open-%d" % i).encode(), partition=0)
assert p.flush(10) == 0
print(json.dumps({"before": before, "flushed": time.monotonic()}), flush=True)
time.sleep(120)
"""


def test_open_transaction_of_a_killed_producer_is_aborted_at_its_timeout(broker, topic, tmp_path):
    n_open, n_plain, timeout_s = 10, 5, 3.0
    create_topic(broker.bootstrap, topic, 1)
    txn_id = f"hang-{uuid.uuid4().hex[:8]}"
    script = tmp_path / "hanging_producer.py"
    script.write_text(HANGING_PRODUCER)
    proc = subprocess.Popen([sys.executable, str(script), broker.bootstrap, topic, txn_id, str(n_open)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        line = proc.stdout.readline()
        assert line, f"the producer did not report: {proc.stderr.read().decode(errors='replace')[-3000:]}"
        times = json.loads(line)
    finally:
        proc.kill()
        proc.wait(10)
    t_before, t_flushed = times["before"], times["flushed"]
    killed_at = time.monotonic()
    # Records after the open transaction, by a plain producer: read_committed must not see them
    # either while the transaction holds the LSO.
    reports = produce(broker.bootstrap, topic, [{"key": None, "value": f"plain-{i}".encode()} for i in range(n_plain)])
    assert [(err, o) for err, _, o in reports] == [(None, n_open + i) for i in range(n_plain)]

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"hang-{uuid.uuid4().hex[:8]}",
                         "isolation.level": "read_committed", "enable.auto.commit": False,
                         "enable.partition.eof": True, "fetch.wait.max.ms": 50})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    samples: list[tuple[float, int]] = []   # (time, LSO)
    received: list[tuple[float, int, str]] = []
    moved_at = None
    try:
        deadline = t_flushed + timeout_s + 10
        while time.monotonic() < deadline:
            lso = last_stable_offsets(broker.bootstrap, topic)[0]
            samples.append((time.monotonic(), lso))
            if lso != 0 and moved_at is None:
                moved_at = samples[-1][0]
            for m in consumer.consume(num_messages=100, timeout=0.1):
                if m.error():
                    if m.error().code() != KafkaError._PARTITION_EOF:
                        pytest.fail(f"read_committed consumer: {m.error()}")
                    continue
                received.append((time.monotonic(), m.offset(), m.value().decode()))
            if moved_at is not None and len(received) >= n_plain and time.monotonic() > moved_at + 1:
                break
        position = consumer.position([TopicPartition(topic, 0)])[0].offset
    finally:
        consumer.close()

    held = [(round(t - t_before, 2), lso) for t, lso in samples if t < t_before + timeout_s]
    assert held, f"no LSO sample before the timeout (producer killed {killed_at - t_before:.2f} s after it began)"
    assert all(lso == 0 for _, lso in held), f"LSO before the transaction's timeout (s after begin, LSO): {held}"
    assert moved_at is not None, f"the LSO never moved: {[(round(t - t_before, 2), lso) for t, lso in samples][-5:]}"
    assert moved_at >= t_before + timeout_s, f"aborted {moved_at - t_before:.2f} s after it began, before its timeout"
    assert moved_at <= t_flushed + timeout_s + 2.5, \
        f"the LSO moved {moved_at - t_flushed - timeout_s:.2f} s after the timeout (broker: about 1 s)"
    marker = n_open + n_plain
    assert samples[-1][1] == marker + 1, f"LSO after the abort {samples[-1][1]}, want {marker + 1} (past the marker)"
    early = [r for r in received if r[0] < t_before + timeout_s]
    assert not early, f"read_committed delivered records while the transaction was open: {early}"
    assert [(o, v) for _, o, v in received] == [(n_open + i, f"plain-{i}") for i in range(n_plain)]
    assert position == marker + 1, f"read_committed consumer's position {position}, want {marker + 1}"

    assert end_offsets(broker.bootstrap, topic) == {0: marker + 1}
    assert [(m.offset(), m.value().decode()) for m in read_uncommitted(broker.bootstrap, topic)] == \
        [(i, f"open-{i}") for i in range(n_open)] + [(n_open + i, f"plain-{i}") for i in range(n_plain)]
    assert values(read_committed(broker.bootstrap, topic)) == [f"plain-{i}" for i in range(n_plain)]
    if hasattr(broker, "stderr_text"):
        lines = [ln for ln in broker.stderr_text().splitlines() if txn_id in ln and "timed out" in ln]
        assert lines, f"no 'timed out' line for {txn_id} in the broker log"

    # The transactional id is usable again (a new producer's InitProducerId bumps the fenced epoch).
    p = Producer(txn_producer_conf(broker.bootstrap, txn_id))
    p.init_transactions(30)
    p.begin_transaction()
    p.produce(topic, value=b"after", partition=0)
    p.commit_transaction(30)
    assert values(read_committed(broker.bootstrap, topic)) == [f"plain-{i}" for i in range(n_plain)] + ["after"]
    print(f"\nopen transaction: LSO held at 0 for {len(held)} samples, moved "
          f"{moved_at - t_before:.2f} s after the transaction began (timeout {timeout_s:.0f} s)")


# ----------------------------------------------------------------------------------------------
# (c) a proxy that cuts the client's connections

@pytest.mark.soak
@pytest.mark.timeout(3600 if SOAK else 200)
@pytest.mark.parametrize("client", ["confluent", "kafka-python"])
def test_connections_cut_at_random_moments(kappa_factory, tmp_path, client):
    n, max_cuts = (20_000, 1500) if SOAK else (1_500, 60)
    broker_port = free_port()
    proxy = TcpProxy(("127.0.0.1", broker_port), seed=SEED).start()
    try:
        b = kappa_factory(port=broker_port, args=["--advertise", proxy.address])
        deadline_s = 3000 if SOAK else 150
        proc, journal, config, expected, log = run_app(proxy.address, tmp_path, n, deadline_s, "cut", client,
                                                       pace_s=0.05)
        connections_before = proxy.connections
        started = time.monotonic()
        proxy.start_chaos(0.05, 0.4, max_cuts=max_cuts, max_seconds=deadline_s - 30)
        finish_app(proc, journal, log, deadline_s + 30)
        proxy.stop_chaos()
        b.assert_alive()
        assert proxy.cuts >= 1, "the application finished before the first cut: nothing was tested"
        stats = check_exactly_once(proxy.address, config["input"], config["output"], config["group"], expected, journal)
        print(f"\nconnection cuts, {client} (seed {SEED}): {n} records moved exactly once in "
              f"{time.monotonic() - started:.1f} s through {proxy.cuts} cuts ({proxy.mid_stream_cuts} in mid-stream), "
              f"{proxy.connections - connections_before} connections; {stats}; journal: {journal.summary()} (seed {SEED})")
    finally:
        proxy.stop()
