"""A real stream-processing framework from PyPI (quixstreams, processing_guarantee="exactly-once")
runs a stateful job against `kappa broker`: it counts the records per key of an input topic and
writes each new count to an output topic. The output read with read_committed holds, for every
key, the counts 1..n exactly once and in order (n: the key's inputs), each count carrying the
sequence number of the input it counts.

quixstreams pins confluent-kafka below 2.13, so it lives in .venv-quix (scripts/setup.sh) and the
job runs as a subprocess with that interpreter. Its state is in RocksDB, backed by a changelog
topic that quixstreams creates (cleanup.policy=compact) and restores from with read_committed.

The second test SIGKILLs the job in the middle and starts it again (same transactional.id, so the
new incarnation fences the old one) with an empty state directory, so that its state must come
back from the changelog topic: the output still holds each count exactly once.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from collections import defaultdict
from pathlib import Path

import pytest

from e2e import create_topic, produce, wait_until
from txn_support import VENV_QUIX_PY, end_offsets, read_committed, read_uncommitted

SOAK = bool(os.environ.get("KAPPA_SOAK"))
PARTITIONS = 2
KEYS = 7

JOB = r"""
import json, sys, time
from quixstreams import Application

cfg = json.loads(sys.argv[1])
app = Application(broker_address=cfg["bootstrap"], consumer_group=cfg["group"],
                  processing_guarantee="exactly-once", auto_offset_reset="earliest",
                  state_dir=cfg["state_dir"], commit_interval=cfg["commit_interval"],
                  loglevel=cfg.get("loglevel", "INFO"), request_timeout=15, topic_create_timeout=30,
                  consumer_extra_config={**cfg.get("extra", {}), **cfg.get("consumer_extra", {})},
                  producer_extra_config={**cfg.get("extra", {}), **cfg.get("producer_extra", {})})
source = app.topic(cfg["input"], key_deserializer="str", value_deserializer="json")
sink = app.topic(cfg["output"], key_serializer="str", value_serializer="json")
delay = cfg.get("delay", 0.0)


def count(value, state):
    n = state.get("count", 0) + 1
    state.set("count", n)
    if delay:
        time.sleep(delay)
    return {"count": n, "seq": value["seq"]}


app.dataframe(source).apply(count, stateful=True).to_topic(sink)
print("RUNNING", flush=True)
app.run()
"""


def make_inputs(n: int) -> list[dict]:
    return [{"key": f"key-{i % KEYS}".encode(), "value": json.dumps({"seq": i}).encode()} for i in range(n)]


class Job:
    def __init__(self, tmp_path: Path, config: dict, name: str):
        self.log = tmp_path / f"{name}.log"
        script = tmp_path / "count_job.py"
        script.write_text(JOB)
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen([str(VENV_QUIX_PY), str(script), json.dumps(config)],
                                         stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (quixstreams stops gracefully: the current checkpoint is committed)."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the quixstreams job did not stop within {timeout:.0f} s of SIGTERM:\n{self.text()[-5000:]}")

    def kill(self):
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


def outputs(bootstrap: str, topic: str, committed: bool = True) -> list[tuple[str, int, int]]:
    read = read_committed if committed else read_uncommitted
    return [(m.key().decode(), json.loads(m.value())["count"], json.loads(m.value())["seq"])
            for m in read(bootstrap, topic, PARTITIONS, timeout=60)]


def check_counts(got: list[tuple[str, int, int]], inputs: list[dict], job_logs: str):
    per_key: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, n, seq in got:
        per_key[key].append((n, seq))
    expected: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in inputs:
        key = r["key"].decode()
        expected[key].append((len(expected[key]) + 1, json.loads(r["value"])["seq"]))
    for key in sorted(expected):
        counts = [n for n, _ in per_key.get(key, [])]
        want = list(range(1, len(expected[key]) + 1))
        if counts != want:
            dup = sorted({c for c in counts if counts.count(c) > 1})
            gaps = sorted(set(want) - set(counts))
            pytest.fail(f"{key}: counts (read_committed) are not 1..{len(want)} once each: {len(counts)} counts, "
                        f"duplicated {dup[:10]}, missing {gaps[:10]}, first {counts[:15]}\n"
                        f"--- job log (end) ---\n{job_logs[-5000:]}")
        assert per_key[key] == expected[key], f"{key}: a count is not attached to the input it counts"
    assert set(per_key) == set(expected), f"output keys {sorted(per_key)}"


def check_transactional(bootstrap: str, topic: str):
    """The output was written in transactions: its partitions hold control records (commit markers)
    besides the records."""
    records = len(read_uncommitted(bootstrap, topic, PARTITIONS, timeout=60))
    offsets = sum(end_offsets(bootstrap, topic, PARTITIONS).values())
    assert offsets > records, f"{topic}: {offsets} offsets for {records} records: no transaction markers"


def job_config(bootstrap: str, topic: str, tmp_path: Path, **extra) -> dict:
    return {"bootstrap": bootstrap, "group": f"count-{uuid.uuid4().hex[:8]}", "input": f"{topic}-in",
            "output": f"{topic}-out", "state_dir": str(tmp_path / "state-1"), "commit_interval": 0.5, **extra}


@pytest.fixture
def quix():
    if not VENV_QUIX_PY.exists():
        pytest.fail(f"{VENV_QUIX_PY} missing: run scripts/setup.sh")


def test_quixstreams_exactly_once_counts_per_key(quix, broker, topic, tmp_path):
    n = 2000 if SOAK else 400
    config = job_config(broker.bootstrap, topic, tmp_path)
    create_topic(broker.bootstrap, config["input"], PARTITIONS)
    create_topic(broker.bootstrap, config["output"], PARTITIONS)
    inputs = make_inputs(n)
    produce(broker.bootstrap, config["input"], inputs)

    job = Job(tmp_path, config, "job-1")
    try:
        wait_until(lambda: not job.alive() or len(outputs(broker.bootstrap, config["output"])) >= n, 90,
                   interval=1.0, what=f"{n} counts in the output (read_committed)")
        assert job.alive(), f"the quixstreams job exited with {job.proc.returncode}:\n{job.text()[-5000:]}"
    finally:
        rc = job.stop()
    assert rc == 0, f"the quixstreams job exited with {rc} after SIGTERM:\n{job.text()[-5000:]}"
    got = outputs(broker.bootstrap, config["output"])
    check_counts(got, inputs, job.text())
    check_transactional(broker.bootstrap, config["output"])
    print(f"\nquixstreams exactly-once: {n} inputs, {len(got)} counts, each once")


@pytest.mark.soak
@pytest.mark.timeout(1800 if SOAK else 200)
def test_quixstreams_exactly_once_counts_survive_a_killed_job(quix, broker, topic, tmp_path):
    n = 3000 if SOAK else 600
    # A fixed transactional.id (quixstreams makes a random one by default): the new incarnation's
    # InitProducerId fences the killed one and aborts its open transaction at once, instead of the
    # broker aborting it at its transaction.timeout.ms (60 s) while the LSO holds the restart back.
    # A short session timeout: the killed incarnation's group member is dropped after 6 s rather
    # than librdkafka's default 45 s, which the new one's JoinGroup would wait for.
    config = job_config(broker.bootstrap, topic, tmp_path, delay=0.005,
                        producer_extra={"transactional.id": f"count-job-{uuid.uuid4().hex[:8]}"},
                        consumer_extra={"session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
    create_topic(broker.bootstrap, config["input"], PARTITIONS)
    create_topic(broker.bootstrap, config["output"], PARTITIONS)
    inputs = make_inputs(n)
    produce(broker.bootstrap, config["input"], inputs)

    job = Job(tmp_path, config, "job-1")
    try:
        wait_until(lambda: not job.alive() or len(outputs(broker.bootstrap, config["output"], committed=False)) >= n // 3,
                   90, interval=0.5, what="a third of the counts written")
        assert job.alive(), f"the quixstreams job exited with {job.proc.returncode}:\n{job.text()[-5000:]}"
    finally:
        job.kill()  # SIGKILL: an open transaction is left behind
    before = len(outputs(broker.bootstrap, config["output"]))
    assert before < n, "the job had finished before it was killed: nothing was tested"

    # A new incarnation with an empty state directory: its state comes back from the changelog.
    config["state_dir"] = str(tmp_path / "state-2")
    job2 = Job(tmp_path, config, "job-2")
    try:
        wait_until(lambda: not job2.alive() or len(outputs(broker.bootstrap, config["output"])) >= n, 120,
                   interval=1.0, what=f"{n} counts in the output (read_committed) after the restart")
        assert job2.alive(), f"the restarted job exited with {job2.proc.returncode}:\n{job2.text()[-5000:]}"
    finally:
        rc = job2.stop()
    assert rc == 0, f"the restarted job exited with {rc} after SIGTERM:\n{job2.text()[-5000:]}"
    got = outputs(broker.bootstrap, config["output"])
    check_counts(got, inputs, job.text() + "\n=== restarted ===\n" + job2.text())
    check_transactional(broker.bootstrap, config["output"])
    everything = outputs(broker.bootstrap, config["output"], committed=False)
    print(f"\nquixstreams exactly-once across a SIGKILL: {n} inputs, {before} committed counts at the kill, "
          f"{len(got)} counts in the end, each once; {len(everything) - len(got)} aborted counts in the log")
