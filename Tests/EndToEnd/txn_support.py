"""Shared helpers for the transaction tests (test_transactions*.py).

- read_committed / read_uncommitted: every record of a topic with that isolation level.
- last_stable_offsets / end_offsets: ListOffsets with read_committed (the LSO) or read_uncommitted.
- group_offsets: the committed offsets of a group (OffsetFetch with require_stable).
- TcpProxy: a threaded TCP proxy on 127.0.0.1 that can cut the connections through it at random
  moments (also in the middle of a request or a response).
- ctp_main: a transactional consume-transform-produce application (confluent-kafka) that handles
  errors the standard way; the fault tests run it as a subprocess (`python txn_support.py ctp
  CONFIG_JSON`) and read its JSON-lines journal from stdout.
"""
from __future__ import annotations

import json
import os
import random
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
VENV_QUIX_PY = REPO_ROOT / ".venv-quix" / "bin" / "python"


# ----------------------------------------------------------------------------------------------
# Reading with an isolation level

def read_isolated(bootstrap: str, topic: str, partitions: int, isolation: str,
                  timeout: float = 30.0, **extra):
    """Every record of every partition from the beginning to the end that `isolation` allows
    (read_committed: up to the LSO), as confluent_kafka.Message objects in fetch order."""
    from e2e import read_all
    return read_all(bootstrap, topic, partitions, timeout=timeout, **{"isolation.level": isolation, **extra})


def read_committed(bootstrap: str, topic: str, partitions: int = 1, timeout: float = 30.0, **extra):
    return read_isolated(bootstrap, topic, partitions, "read_committed", timeout, **extra)


def read_uncommitted(bootstrap: str, topic: str, partitions: int = 1, timeout: float = 30.0, **extra):
    return read_isolated(bootstrap, topic, partitions, "read_uncommitted", timeout, **extra)


def values(msgs) -> list[str]:
    return [m.value().decode() for m in msgs]


def _list_offsets(bootstrap: str, topic: str, partitions: int, committed: bool, timeout: float = 15.0):
    from confluent_kafka import IsolationLevel, TopicPartition
    from confluent_kafka.admin import AdminClient, OffsetSpec

    admin = AdminClient({"bootstrap.servers": bootstrap})
    level = IsolationLevel.READ_COMMITTED if committed else IsolationLevel.READ_UNCOMMITTED
    futures = admin.list_offsets({TopicPartition(topic, p): OffsetSpec.latest() for p in range(partitions)},
                                 isolation_level=level, request_timeout=timeout)
    return {tp.partition: f.result(timeout=timeout).offset for tp, f in futures.items()}


def last_stable_offsets(bootstrap: str, topic: str, partitions: int = 1) -> dict[int, int]:
    """ListOffsets(latest, isolation_level=read_committed): the last stable offset per partition."""
    return _list_offsets(bootstrap, topic, partitions, committed=True)


def end_offsets(bootstrap: str, topic: str, partitions: int = 1) -> dict[int, int]:
    """ListOffsets(latest, read_uncommitted): the high watermark per partition."""
    return _list_offsets(bootstrap, topic, partitions, committed=False)


def group_offsets(bootstrap: str, group: str, topic: str, partitions: int, timeout: float = 30.0) -> dict[int, int]:
    """The group's committed offsets (partitions without one are left out). librdkafka asks with
    require_stable under read_committed, so this waits for pending transactional offsets."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "isolation.level": "read_committed"})
    try:
        result = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=timeout)
        return {tp.partition: tp.offset for tp in result if tp.offset >= 0}
    finally:
        c.close()


def txn_producer_conf(bootstrap: str, txn_id: str, **extra) -> dict:
    conf = {"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5,
            "transaction.timeout.ms": 30000, "message.timeout.ms": 30000}
    conf.update(extra)
    return conf


# ----------------------------------------------------------------------------------------------
# A TCP proxy that cuts connections

class _Pair:
    """One proxied connection: the client's socket and the upstream socket."""

    def __init__(self, client: socket.socket, upstream: socket.socket):
        self.client = client
        self.upstream = upstream
        self.closed = False
        self.cut_after: int | None = None  # bytes still forwarded before the cut, None: no cut planned
        self.lock = threading.Lock()

    def close(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for s in (self.client, self.upstream):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


class TcpProxy:
    """Forwards 127.0.0.1:port to an upstream address. cut_all() closes every connection through it;
    start_chaos() cuts connections at random moments in a thread of its own, until stop_chaos() or
    its own bounds (number of cuts, seconds). A cut is either immediate or planned after a random
    number of further bytes, so that it lands in the middle of a request or a response."""

    def __init__(self, upstream: tuple[str, int], port: int | None = None, seed: int | None = None):
        from e2e import free_port

        self.upstream = upstream
        self.port = port or free_port()
        self.rng = random.Random(seed)
        self.pairs: list[_Pair] = []
        self.connections = 0
        self.cuts = 0
        self.mid_stream_cuts = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._chaos_stop = threading.Event()
        self._chaos_thread: threading.Thread | None = None
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self._accept_thread = threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "TcpProxy":
        self._accept_thread.start()
        return self

    def stop(self):
        self.stop_chaos()
        self._stop.set()
        self._accept_thread.join(5)
        self._listener.close()
        self.cut_all(count=False)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(None)
            pair = _Pair(client, upstream)
            with self._lock:
                self.pairs = [p for p in self.pairs if not p.closed] + [pair]
                self.connections += 1
            threading.Thread(target=self._pump, args=(pair,), name="proxy-pump", daemon=True).start()

    def _pump(self, pair: _Pair):
        """Both directions in one thread (select), so that a planned cut sees all the bytes."""
        socks = [pair.client, pair.upstream]
        try:
            while not pair.closed and not self._stop.is_set():
                readable, _, _ = select.select(socks, [], [], 0.2)
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        pair.close()
                        return
                    other = pair.upstream if s is pair.client else pair.client
                    budget = pair.cut_after
                    if budget is not None and len(data) >= budget:
                        if budget:
                            other.sendall(data[:budget])
                        pair.close()
                        return
                    other.sendall(data)
                    if budget is not None:
                        pair.cut_after = budget - len(data)
        except (OSError, ValueError):
            pass
        finally:
            pair.close()

    def open_pairs(self) -> list[_Pair]:
        with self._lock:
            return [p for p in self.pairs if not p.closed]

    def cut_all(self, count: bool = True) -> int:
        pairs = self.open_pairs()
        for p in pairs:
            p.close()
        if count:
            self.cuts += len(pairs)
        return len(pairs)

    def cut_one(self) -> bool:
        pairs = self.open_pairs()
        if not pairs:
            return False
        p = self.rng.choice(pairs)
        if self.rng.random() < 0.5:
            p.cut_after = self.rng.randrange(0, 300)  # in the middle of what comes next
            self.mid_stream_cuts += 1
        else:
            p.close()
        self.cuts += 1
        return True

    def start_chaos(self, min_interval: float, max_interval: float, max_cuts: int, max_seconds: float):
        def run():
            deadline = time.monotonic() + max_seconds
            done = 0
            while done < max_cuts and time.monotonic() < deadline:
                if self._chaos_stop.wait(self.rng.uniform(min_interval, max_interval)):
                    return
                if self.rng.random() < 0.2:
                    if self.cut_all():
                        done += 1
                elif self.cut_one():
                    done += 1

        self._chaos_thread = threading.Thread(target=run, name="proxy-chaos", daemon=True)
        self._chaos_thread.start()

    def stop_chaos(self):
        self._chaos_stop.set()
        if self._chaos_thread is not None:
            self._chaos_thread.join(10)
        for p in self.open_pairs():
            p.cut_after = None


# ----------------------------------------------------------------------------------------------
# Transactional consume-transform-produce application (confluent-kafka), run as a subprocess

API_TIMEOUT = 10.0  # seconds for one transactional API call of the application


def ctp_command(config: dict, client: str = "confluent") -> list[str]:
    mode = {"confluent": "ctp", "kafka-python": "kpctp"}[client]
    return [sys.executable, str(Path(__file__).resolve()), mode, json.dumps(config)]


def start_ctp(config: dict, log_path: Path, client: str = "confluent") -> subprocess.Popen:
    """Starts the application (ctp_main, or kp_ctp_main for client "kafka-python"); its journal
    (JSON lines) goes to stdout, the client library's log to log_path."""
    env = dict(os.environ, PYTHONPATH=str(HERE))
    err = open(log_path, "wb")
    try:
        return subprocess.Popen(ctp_command(config, client), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=err, env=env, start_new_session=True)
    finally:
        err.close()


def _emit(event, **fields):
    print(json.dumps({"event": event, "t": time.monotonic(), **fields}), flush=True)


class Hung(Exception):
    """A client call that did not return 10 s after its own timeout."""


def _guarded(what: str, fn, timeout: float, emit=_emit):
    """fn(timeout) in a daemon thread; raises Hung if it has not returned 10 s after timeout."""
    result = {}

    def run():
        try:
            result["ok"] = fn(timeout)
        except BaseException as e:  # handed to the caller
            result["exc"] = e

    t = threading.Thread(target=run, name=what, daemon=True)
    t.start()
    t.join(timeout + 10)
    if t.is_alive():
        emit("hung", call=what, after_s=timeout + 10)
        raise Hung(what)
    if "exc" in result:
        raise result["exc"]
    return result.get("ok")


def transform(partition: int, offset: int, value: bytes) -> bytes:
    return f"{partition}:{offset}:".encode() + value


def ctp_main(config: dict) -> int:
    """Consumes `input` in group `group` (read_committed), writes transform(record) to the same
    partition of `output` in transactions of 1..batch records together with the consumed offsets
    (send_offsets_to_transaction), until the committed offsets reach `ends` or `deadline_s` passes.

    Errors are handled as the librdkafka documentation prescribes: a retriable error of
    commit_transaction retries the commit; an abortable one aborts the transaction and rewinds the
    consumer to the committed offsets; a fatal one (fenced, ...) makes a new producer with the same
    transactional.id and rewinds. Every transaction's tag (producer number.transaction number) is in
    the header `txn` of its records, and its outcome goes to stdout: committed, aborted, or unknown
    (a fatal error after commit_transaction was called: the broker may have committed it)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition

    bootstrap, src, dst = config["bootstrap"], config["input"], config["output"]
    ends = {int(p): o for p, o in config["ends"].items()}
    deadline = time.monotonic() + config["deadline_s"]
    rng = random.Random(config.get("seed"))
    batch = config.get("batch", 10)
    pace = config.get("pace_s", 0.0)
    debug = config.get("debug")

    emit = _emit

    def left() -> float:
        return deadline - time.monotonic()

    # metadata.recovery.strategy none: when its only broker is down, librdkafka (2.10+) otherwise
    # "re-bootstraps", decommissioning the broker handle that its coordinator cache still points
    # at, and send_offsets_to_transaction() then waits for that handle forever (librdkafka issues
    # #5511 and #5456; seen here after nearly every broker kill). guarded() stays as a safety net.
    common = {"bootstrap.servers": bootstrap, "reconnect.backoff.ms": 20, "reconnect.backoff.max.ms": 500,
              "retry.backoff.ms": 50, "socket.connection.setup.timeout.ms": 5000,
              "metadata.recovery.strategy": config.get("metadata_recovery", "none")}
    if debug:
        common["debug"] = debug
    consumer = Consumer({**common, "group.id": config["group"], "isolation.level": "read_committed",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest",
                         "session.timeout.ms": 10000, "heartbeat.interval.ms": 1000,
                         "max.poll.interval.ms": 60000})
    producer_no = 0
    abandoned = []  # producers left behind in a call that never returned (see guarded)

    # librdkafka's send_offsets_to_transaction() can block past its timeout when the group
    # coordinator's connection goes down at the wrong moment (librdkafka issue #5456: the
    # coordinator request's timeout is never checked); a call that hangs gives the producer up as
    # a fenced one would be.
    guarded = _guarded

    def new_producer():
        nonlocal producer_no
        producer_no += 1
        p = Producer({**common, "transactional.id": config["txn_id"], "linger.ms": 2,
                      "transaction.timeout.ms": config.get("txn_timeout_ms", 20000),
                      "message.timeout.ms": config.get("txn_timeout_ms", 20000)})
        while True:
            try:
                p.init_transactions(max(1.0, min(API_TIMEOUT, left())))
                emit("producer", n=producer_no)
                return p
            except KafkaException as e:
                err = e.args[0]
                emit("init_error", n=producer_no, error=str(err), retriable=err.retriable(), fatal=err.fatal())
                if left() <= 0:
                    raise
                if err.fatal():
                    return new_producer()
                time.sleep(0.1)

    all_tps = [TopicPartition(src, p) for p in sorted(ends)]

    def fetch_committed() -> dict[int, int] | None:
        try:
            committed = consumer.committed(all_tps, timeout=max(1.0, min(20.0, left())))
        except KafkaException as e:
            emit("committed_error", error=str(e.args[0]))
            return None
        return {tp.partition: max(tp.offset, 0) for tp in committed}

    def rewind() -> dict[int, int]:
        """Seeks every assigned partition back to the group's committed offset. Returns the
        committed offsets of all partitions."""
        while left() > 0:
            pos = fetch_committed()
            if pos is None:
                time.sleep(0.1)
                continue
            try:
                for tp in consumer.assignment():
                    if tp.topic == src and tp.partition in pos:
                        consumer.seek(TopicPartition(src, tp.partition, pos[tp.partition] or OFFSET_BEGINNING))
            except KafkaException as e:
                emit("seek_error", error=str(e.args[0]))
                time.sleep(0.1)
                continue
            emit("rewound", offsets=pos)
            return pos
        return {}

    def on_assign(c, partitions):
        emit("assigned", partitions=[tp.partition for tp in partitions])

    def on_revoke(c, partitions):
        emit("revoked", partitions=[tp.partition for tp in partitions])

    consumer.subscribe([src], on_assign=on_assign, on_revoke=on_revoke)
    producer = new_producer()
    committed_to = {p: 0 for p in ends}   # what the last committed transaction (or a rewind) says
    txn_no = 0
    last_check = time.monotonic()
    try:
        while committed_to != ends:
            if left() <= 0:
                emit("deadline", committed_to=committed_to)
                return 3
            msgs = consumer.consume(num_messages=rng.randint(1, batch), timeout=0.2)
            good = []
            for m in msgs:
                if m.error():
                    emit("consume_error", error=str(m.error()))
                else:
                    good.append(m)
            positions = [tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
            if not good and not any(tp.offset > committed_to.get(tp.partition, 0) for tp in positions):
                if time.monotonic() - last_check > 1.0:
                    last_check = time.monotonic()
                    got = fetch_committed()
                    if got is not None and got != committed_to:
                        emit("committed_offsets", offsets=got)
                        committed_to = got
                continue
            # (no records but positions ahead of the committed offsets, e.g. past a commit marker:
            # a transaction of offsets only)
            txn_no += 1
            tag = f"{producer_no}.{txn_no}"
            commit_called = False
            try:
                producer.begin_transaction()
                for m in good:
                    while True:
                        try:
                            producer.produce(dst, key=m.key(), value=transform(m.partition(), m.offset(), m.value()),
                                             partition=m.partition(), headers=[("txn", tag.encode())])
                            break
                        except BufferError:
                            producer.poll(0.05)
                metadata = consumer.consumer_group_metadata()
                guarded("send_offsets_to_transaction",
                        lambda t: producer.send_offsets_to_transaction(positions, metadata, t),
                        max(1.0, min(API_TIMEOUT, left())))
                commit_called = True
                while True:
                    try:
                        guarded("commit_transaction", producer.commit_transaction, max(1.0, min(API_TIMEOUT, left())))
                        break
                    except KafkaException as e:
                        err = e.args[0]
                        if err.retriable() and not err.txn_requires_abort() and left() > 0:
                            emit("commit_retry", tag=tag, error=str(err))
                            continue
                        raise
                offsets = {tp.partition: tp.offset for tp in positions}
                committed_to.update(offsets)
                emit("committed", tag=tag, records=len(good), offsets=offsets)
            except KafkaException as e:
                err = e.args[0]
                emit("txn_error", tag=tag, error=str(err), code=err.code(), fatal=err.fatal(),
                     abortable=err.txn_requires_abort(), retriable=err.retriable(), commit_called=commit_called)
                if err.fatal() or not err.txn_requires_abort():
                    # Fatal (fenced, ...) or an unexpected non-abortable error: a new producer with the
                    # same transactional.id; its InitProducerId ends what this one left open.
                    emit("unknown" if commit_called else "aborted", tag=tag, why="fatal")
                    producer.purge(in_queue=True, in_flight=True)
                    producer = new_producer()
                else:
                    while True:
                        try:
                            guarded("abort_transaction", producer.abort_transaction, max(1.0, min(API_TIMEOUT, left())))
                            emit("aborted", tag=tag, why="abortable")
                            break
                        except Hung:
                            emit("unknown" if commit_called else "aborted", tag=tag, why="abort hung")
                            abandoned.append(producer)
                            producer = new_producer()
                            break
                        except KafkaException as e2:
                            err2 = e2.args[0]
                            emit("abort_error", tag=tag, error=str(err2), fatal=err2.fatal(),
                                 retriable=err2.retriable())
                            if err2.retriable() and not err2.fatal() and left() > 0:
                                continue
                            emit("unknown" if commit_called else "aborted", tag=tag, why="abort failed")
                            producer = new_producer()
                            break
                committed_to = {**{p: 0 for p in ends}, **rewind()}
            except Hung:
                emit("unknown" if commit_called else "aborted", tag=tag, why="hung")
                abandoned.append(producer)
                producer = new_producer()
                committed_to = {**{p: 0 for p in ends}, **rewind()}
            if pace:
                time.sleep(pace)
        emit("done", committed_to=committed_to, producers=producer_no, transactions=txn_no,
             abandoned=len(abandoned))
        return 0
    finally:
        consumer.close()


def kp_ctp_main(config: dict) -> int:
    """ctp_main with kafka-python 3 (KafkaConsumer, KafkaProducer with transactional_id), the same
    journal and the same error handling: the producer's transaction manager in a fatal state
    (fenced, ...) or a call that hangs: a new producer with the same transactional_id; any other
    error: abort_transaction and rewind to the committed offsets. kafka-python's
    send_offsets_to_transaction, commit_transaction and abort_transaction wait without a timeout,
    hence _guarded: kafka-python 3.0.12 drops an AddOffsetsToTxn request that it dequeued while the
    broker was down ("Got an exception when trying to find a node to send a transactional request
    to. Going to back off and retry", and then never sends it), and send_offsets_to_transaction
    then waits forever (seen in about one run in three of the SIGKILL test)."""
    import logging

    import kafka.errors as Errors
    from kafka import KafkaConsumer, KafkaProducer
    from kafka import TopicPartition as KTP
    from kafka.structs import OffsetAndMetadata

    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if config.get("debug") else logging.WARNING,
                        format="%(relativeCreated)d %(threadName)s %(name)s %(levelname)s %(message)s")
    bootstrap, src, dst = config["bootstrap"], config["input"], config["output"]
    ends = {int(p): o for p, o in config["ends"].items()}
    deadline = time.monotonic() + config["deadline_s"]
    rng = random.Random(config.get("seed"))
    batch = config.get("batch", 10)
    pace = config.get("pace_s", 0.0)
    emit = _emit

    def left() -> float:
        return deadline - time.monotonic()

    def api_timeout() -> float:
        return max(1.0, min(API_TIMEOUT, left()))

    common = {"bootstrap_servers": bootstrap, "reconnect_backoff_ms": 20, "reconnect_backoff_max_ms": 500,
              "retry_backoff_ms": 50, "request_timeout_ms": 10000}
    consumer = KafkaConsumer(group_id=config["group"], isolation_level="read_committed", enable_auto_commit=False,
                             auto_offset_reset="earliest", session_timeout_ms=10000, heartbeat_interval_ms=1000,
                             max_poll_interval_ms=60000, **common)
    producer_no = 0
    abandoned = []

    def new_producer():
        nonlocal producer_no
        while True:
            producer_no += 1
            p = KafkaProducer(transactional_id=config["txn_id"], linger_ms=2, max_block_ms=10000,
                              transaction_timeout_ms=config.get("txn_timeout_ms", 20000),
                              delivery_timeout_ms=15000, **common)
            try:
                _guarded("init_transactions", lambda t: p.init_transactions(), api_timeout())
                emit("producer", n=producer_no)
                return p
            except (Errors.KafkaError, Hung) as e:
                emit("init_error", n=producer_no, error=repr(e))
                abandoned.append(p)
                if left() <= 0:
                    raise
                time.sleep(0.1)

    tps = [KTP(src, p) for p in sorted(ends)]

    def fetch_committed() -> dict[int, int] | None:
        try:
            return {tp.partition: consumer.committed(tp) or 0 for tp in tps}
        except Errors.KafkaError as e:
            emit("committed_error", error=repr(e))
            return None

    def rewind() -> dict[int, int]:
        while left() > 0:
            pos = fetch_committed()
            if pos is None:
                time.sleep(0.1)
                continue
            for tp in consumer.assignment():
                if tp.partition in pos:
                    consumer.seek(tp, pos[tp.partition])
            emit("rewound", offsets=pos)
            return pos
        return {}

    consumer.subscribe([src])
    producer = new_producer()
    committed_to = {p: 0 for p in ends}
    txn_no = 0
    last_check = time.monotonic()
    try:
        while committed_to != ends:
            if left() <= 0:
                emit("deadline", committed_to=committed_to)
                return 3
            try:
                polled = consumer.poll(timeout_ms=200, max_records=rng.randint(1, batch))
            except Errors.KafkaError as e:
                emit("consume_error", error=repr(e))
                continue
            recs = [r for rs in polled.values() for r in rs]
            if not recs:
                if time.monotonic() - last_check > 1.0:
                    last_check = time.monotonic()
                    got = fetch_committed()
                    if got is not None and got != committed_to:
                        emit("committed_offsets", offsets=got)
                        committed_to = got
                continue
            offsets: dict[int, int] = {}
            for r in recs:
                offsets[r.partition] = max(offsets.get(r.partition, 0), r.offset + 1)
            txn_no += 1
            tag = f"{producer_no}.{txn_no}"
            commit_called = False
            try:
                producer.begin_transaction()
                for r in recs:
                    producer.send(dst, key=r.key, value=transform(r.partition, r.offset, r.value),
                                  partition=r.partition, headers=[("txn", tag.encode())])
                metadata = consumer.group_metadata()
                _guarded("send_offsets_to_transaction", lambda t: producer.send_offsets_to_transaction(
                    {KTP(src, p): OffsetAndMetadata(o, "", -1) for p, o in offsets.items()}, metadata), api_timeout())
                commit_called = True
                _guarded("commit_transaction", lambda t: producer.commit_transaction(), api_timeout())
                committed_to.update(offsets)
                emit("committed", tag=tag, records=len(recs), offsets=offsets)
            except (Errors.KafkaError, Hung) as e:
                tm = producer._transaction_manager
                fatal = isinstance(e, Hung) or tm.has_fatal_error() or isinstance(
                    e, (Errors.ProducerFencedError, Errors.InvalidProducerEpochError, Errors.IllegalStateError))
                emit("txn_error", tag=tag, error=repr(e), fatal=fatal, commit_called=commit_called)
                if not fatal:
                    try:
                        _guarded("abort_transaction", lambda t: producer.abort_transaction(), api_timeout())
                        emit("aborted", tag=tag, why="abortable")
                        # kafka-python 3.0.12 keeps the offsets of a TxnOffsetCommit that failed with
                        # an abortable error (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION: its handler only
                        # removes an entry on success) and sends them again with the next
                        # transaction's offsets, even after the abort: the next commit then commits
                        # this aborted transaction's offsets, and the records between are lost.
                        # Drop them, as the Java client does when a transaction ends.
                        stale = tm._pending_txn_offset_commits
                        if stale:
                            emit("kp_stale_offsets_dropped", tag=tag,
                                 offsets={f"{tp.partition}": o.offset for tp, o in stale.items()})
                            stale.clear()
                    except (Errors.KafkaError, Hung) as e2:
                        emit("abort_error", tag=tag, error=repr(e2))
                        fatal = True
                if fatal:
                    emit("unknown" if commit_called else "aborted", tag=tag, why="fatal")
                    abandoned.append(producer)
                    threading.Thread(target=producer.close, kwargs={"timeout": 0}, daemon=True).start()
                    producer = new_producer()
                committed_to = {**{p: 0 for p in ends}, **rewind()}
            if pace:
                time.sleep(pace)
        emit("done", committed_to=committed_to, producers=producer_no, transactions=txn_no,
             abandoned=len(abandoned))
        return 0
    finally:
        consumer.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "ctp":
        sys.exit(ctp_main(json.loads(sys.argv[2])))
    if len(sys.argv) == 3 and sys.argv[1] == "kpctp":
        sys.exit(kp_ctp_main(json.loads(sys.argv[2])))
    sys.exit(f"usage: {sys.argv[0]} ctp|kpctp CONFIG_JSON")
