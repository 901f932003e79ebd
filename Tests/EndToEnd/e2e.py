"""Helpers for Kappa's end-to-end tests: the broker process, ports, waits, client shortcuts.

Environment:
  KAPPA_BIN        the kappa executable (default .build/debug/kappa, relative to the repo root)
  KAPPA_BOOTSTRAP  host:port of an already running Kafka-compatible broker (e.g. librdkafka's mock
                   cluster from shared/tools/rdkafka_mock.py). Tests that only need a bootstrap run
                   against it; tests that start, stop or kill the broker process are skipped.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = REPO_ROOT.parent / "shared"
VENV_PY = REPO_ROOT / ".venv" / "bin" / "python"
VENV_KP2_PY = REPO_ROOT / ".venv-kp2" / "bin" / "python"

EXTERNAL_BOOTSTRAP = os.environ.get("KAPPA_BOOTSTRAP") or None

START_TIMEOUT = 20.0  # seconds until the broker's port must accept connections
STOP_TIMEOUT = 10.0   # seconds the broker gets to exit after SIGTERM


def kappa_bin() -> Path:
    p = Path(os.environ.get("KAPPA_BIN", ".build/debug/kappa"))
    return p if p.is_absolute() else REPO_ROOT / p


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True if a server could bind 127.0.0.1:port (SO_REUSEADDR, as servers do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Polls predicate() until it returns a truthy value; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class KappaBroker:
    """One `kappa broker` process: a port, a data directory, and its stdout/stderr in files."""

    def __init__(self, data_dir: Path, port: int, args: list[str], log_dir: Path, name: str):
        self.data_dir = data_dir
        self.port = port
        self.args = list(args)
        self.log_dir = log_dir
        self.name = name
        self.proc: subprocess.Popen | None = None
        self.runs = 0
        self.returncodes: list[int] = []
        # Called in the child before exec (e.g. to set resource limits); None for nothing.
        self.preexec_fn = None

    # -- addresses and logs ------------------------------------------------------------------
    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self) -> list[str]:
        return [str(kappa_bin()), "broker", "--listen", self.bootstrap,
                "--data-dir", str(self.data_dir), *self.args]

    def _log_path(self, run: int, stream: str) -> Path:
        return self.log_dir / f"{self.name}.{run}.{stream}"

    def stderr_text(self, run: int | None = None) -> str:
        run = self.runs if run is None else run
        p = self._log_path(run, "stderr")
        return p.read_text(errors="replace") if p.exists() else ""

    def all_logs(self) -> str:
        parts = []
        for run in range(1, self.runs + 1):
            rc = self.returncodes[run - 1] if run - 1 < len(self.returncodes) else "running"
            for stream in ("stdout", "stderr"):
                p = self._log_path(run, stream)
                text = p.read_text(errors="replace") if p.exists() else ""
                if text or stream == "stderr":
                    if len(text) > 20000:
                        text = "[... cut ...]\n" + text[-20000:]
                    parts.append(f"--- run {run} {stream} (exit: {rc}) ---\n{text}")
        return f"$ {' '.join(self.command())}\n" + "\n".join(parts)

    # -- life cycle --------------------------------------------------------------------------
    def start(self, wait: bool = True, timeout: float = START_TIMEOUT) -> "KappaBroker":
        assert self.proc is None or self.proc.poll() is not None, "broker already running"
        binary = kappa_bin()
        if not binary.exists():
            pytest.fail(f"kappa binary not found at {binary}: run `swift build` (or set KAPPA_BIN)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.runs += 1
        with open(self._log_path(self.runs, "stdout"), "wb") as out, \
             open(self._log_path(self.runs, "stderr"), "wb") as err:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, start_new_session=True,
                                         preexec_fn=self.preexec_fn)
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                self._record_exit(rc)
                pytest.fail(f"broker {self.name} exited with {rc} before accepting connections:\n"
                            f"{self.stderr_text()[-4000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                pass
            if time.monotonic() >= deadline:
                pytest.fail(f"broker {self.name} did not accept connections on {self.bootstrap} "
                            f"within {timeout:.0f} s:\n{self.stderr_text()[-4000:]}")
            time.sleep(0.05)

    def _record_exit(self, rc: int) -> None:
        if len(self.returncodes) < self.runs:
            self.returncodes.append(rc)

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self) -> None:
        assert self.is_running(), (f"broker {self.name} died (exit {self.proc.poll()}):\n"
                                   f"{self.stderr_text()[-4000:]}")

    def wait_exit(self, timeout: float) -> int | None:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._record_exit(rc)
        return rc

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM; asserts the broker exits with status 0 within timeout seconds."""
        if not self.is_running():
            rc = self.proc.poll() if self.proc else None
            if rc is not None:
                self._record_exit(rc)
            assert rc == 0, f"broker {self.name} was not running at stop (exit {rc})"
            return
        self.proc.send_signal(signal.SIGTERM)
        rc = self.wait_exit(timeout)
        if rc is None:
            self.kill()
            pytest.fail(f"broker {self.name} did not exit within {timeout:.0f} s of SIGTERM")
        assert rc == 0, f"broker {self.name} exited with {rc} after SIGTERM (want 0)"

    def kill(self) -> None:
        """SIGKILL (kill -9): no chance to flush or clean up."""
        if self.is_running():
            self.proc.kill()
        rc = self.wait_exit(STOP_TIMEOUT)
        assert rc is not None, f"broker {self.name} survived SIGKILL"

    def restart(self, args: list[str] | None = None, wait: bool = True) -> "KappaBroker":
        """Stops the broker cleanly (if running) and starts it again on the same port and data dir."""
        if self.is_running():
            self.stop()
        if args is not None:
            self.args = list(args)
        return self.start(wait=wait)


class ExternalBroker:
    """A broker this suite did not start (KAPPA_BOOTSTRAP): only its address is known."""

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap
        self.host, port = bootstrap.rsplit(":", 1)
        self.port = int(port)

    def assert_alive(self) -> None:
        pass


# ----------------------------------------------------------------------------------------------
# Client helpers shared by several test files (confluent-kafka: the reference client here).

def create_topic(bootstrap: str, name: str, partitions: int = 1, timeout: float = 20.0):
    """Creates a topic with CreateTopics and waits until Metadata shows all its partitions."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)],
                                  operation_timeout=10, request_timeout=15)
    futures[name].result(timeout=timeout)

    def ready():
        md = admin.list_topics(topic=name, timeout=5)
        t = md.topics.get(name)
        return t is not None and t.error is None and len(t.partitions) == partitions

    wait_until(ready, timeout, interval=0.2, what=f"topic {name} with {partitions} partitions")
    return admin


def confluent_consumer(bootstrap: str, **extra):
    """A consumer that never joins a group: assign() only, no commits. confluent-kafka insists on
    a group.id; with assign() and enable.auto.commit=False librdkafka only looks the coordinator
    up (FindCoordinator) and never joins or commits."""
    from confluent_kafka import Consumer

    conf = {"bootstrap.servers": bootstrap, "group.id": f"e2e-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False, "enable.auto.offset.store": False,
            "enable.partition.eof": True, "auto.offset.reset": "error"}
    conf.update(extra)
    return Consumer(conf)


def read_all(bootstrap: str, topic: str, partitions: int, timeout: float = 30.0, **extra):
    """Reads every partition of topic from its beginning to its end (librdkafka's partition EOF)
    with an assigned consumer. Returns confluent_kafka.Message objects in fetch order."""
    from confluent_kafka import KafkaError, OFFSET_BEGINNING, TopicPartition

    c = confluent_consumer(bootstrap, **extra)
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        msgs, eof = [], set()
        deadline = time.monotonic() + timeout
        while len(eof) < partitions:
            if time.monotonic() > deadline:
                pytest.fail(f"reading {topic}: only {len(msgs)} records and end of partitions "
                            f"{sorted(eof)} of {partitions} after {timeout:.0f} s")
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    eof.add(m.partition())
                    continue
                pytest.fail(f"consumer error reading {topic}: {m.error()}")
            eof.discard(m.partition())
            msgs.append(m)
        return msgs
    finally:
        c.close()


def produce(bootstrap, topic, records, flush_timeout=60.0, **conf):
    """Produces records (dicts with key, value, headers, timestamp) and returns one delivery report
    per record, in the same order: (error, partition, offset)."""
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all", **conf})
    reports = [None] * len(records)

    def callback(i):
        def on_delivery(err, msg):
            reports[i] = (err, msg.partition(), msg.offset())
        return on_delivery

    for i, r in enumerate(records):
        while True:
            try:
                p.produce(topic, key=r["key"], value=r["value"], headers=r.get("headers"),
                          timestamp=r.get("timestamp", 0), on_delivery=callback(i))
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(flush_timeout)
    assert left == 0, f"{left} records still undelivered after {flush_timeout:.0f} s"
    missing = [i for i, r in enumerate(reports) if r is None]
    assert not missing, f"no delivery report for {len(missing)} records"
    return reports
