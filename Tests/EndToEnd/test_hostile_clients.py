"""Clients that hold the broker's resources without being useful: half a frame, one byte every
100 ms, thousands of idle connections. None of them may delay the real clients next to them.

Figures (latencies, connections held, broker RSS) are printed; run with -s to see them.
"""
from __future__ import annotations

import os
import resource
import socket
import statistics
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

from e2e import create_topic

SOAK = bool(os.environ.get("KAPPA_SOAK"))
# A produce round trip (acks=all, linger 0) takes milliseconds; a connection that blocked an event
# loop until the slow client finished would take seconds. The bound sits far from both.
ROUND_TRIP_LIMIT = 2.0


def frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def api_versions_v0(correlation_id: int, client_id: str = "hostile") -> bytes:
    cid = client_id.encode()
    return frame(struct.pack(">hhih", 18, 0, correlation_id, len(cid)) + cid)


def api_versions_v3(correlation_id: int, software_name: str) -> bytes:
    """ApiVersions v3 (flexible header v2, compact strings); the software name makes it as long as we like."""
    cid = b"hostile"
    name = software_name.encode()
    header = struct.pack(">hhih", 18, 3, correlation_id, len(cid)) + cid + b"\x00"
    body = uvarint(len(name) + 1) + name + uvarint(4) + b"1.0" + b"\x00"
    return frame(header + body)


def uvarint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def recv_exactly(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        assert chunk, f"connection closed after {len(buf)} of {n} bytes"
        buf += chunk
    return buf


def read_correlation_id(s: socket.socket) -> int:
    """Reads one whole response and returns its correlation id."""
    size = struct.unpack(">i", recv_exactly(s, 4))[0]
    body = recv_exactly(s, size)
    return struct.unpack(">i", body[:4])[0]


def broker_rss_kib(broker) -> int:
    with open(f"/proc/{broker.proc.pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc status")


@pytest.fixture
def restore_fd_limit():
    """Puts this process's RLIMIT_NOFILE back after a test that raised it."""
    limits = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, limits)


def raise_fd_limit(wanted: int) -> int:
    """Raises this process's soft RLIMIT_NOFILE towards `wanted` (brokers started afterwards inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def produce_round_trips(bootstrap: str, topic: str, count: int) -> list[float]:
    """Seconds from produce() to its delivery report for `count` records sent one at a time."""
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "acks": "all"})
    try:
        p.produce(topic, value=b"warm-up")  # connection set-up and metadata are not what we measure
        assert p.flush(30) == 0, "warm-up record undelivered"
        times = []
        for i in range(count):
            errors = []
            start = time.monotonic()
            p.produce(topic, value=f"timed {i}".encode(), on_delivery=lambda err, msg: errors.append(err))
            assert p.flush(30) == 0, f"record {i} undelivered after 30 s"
            times.append(time.monotonic() - start)
            assert errors == [None], f"record {i}: {errors}"
        return times
    finally:
        p.flush(5)


def kcat_consume(bootstrap: str, topic: str, count: int) -> tuple[float, list[bytes]]:
    start = time.monotonic()
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-c", str(count),
                          "-f", "%s\\n", "-q"], capture_output=True, timeout=60, check=True)
    return time.monotonic() - start, out.stdout.splitlines()


def describe(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return f"median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms over {len(ms)}"


def check_real_clients(broker, topic: str, label: str, produced_before: int = 0) -> tuple[list[float], float]:
    """Produces (confluent, timed one by one) and consumes everything back (kcat, timed); returns the
    round trips and the consume time after asserting both stay within the limits."""
    times = produce_round_trips(broker.bootstrap, topic, 30)
    # warm-up + 30 per call
    total = produced_before + 31
    consume_time, values = kcat_consume(broker.bootstrap, topic, total)
    print(f"\n{label}: produce round trip {describe(times)}; kcat consumed {len(values)} records in "
          f"{consume_time * 1000:.0f} ms")
    assert max(times) < ROUND_TRIP_LIMIT, f"{label}: produce round trips {describe(times)}"
    assert len(values) == total and values.count(b"warm-up") == total // 31
    assert consume_time < 10, f"{label}: kcat took {consume_time:.1f} s to read {total} records"
    return times, consume_time


def test_half_a_frame_and_a_trickle_do_not_delay_other_clients(broker, topic):
    create_topic(broker.bootstrap, topic)
    baseline, _ = check_real_clients(broker, topic, "alone")

    # Ten clients stop in the middle of a frame: the size and half of a 2 KB ApiVersions request.
    held = []
    for i in range(10):
        s = socket.create_connection((broker.host, broker.port), timeout=10)
        request = api_versions_v3(1000 + i, "a" * 2000)
        s.sendall(request[: len(request) // 2])
        held.append((s, request))
    # One more sends a request one byte per 100 ms (about 6 s for the whole frame).
    trickle_request = api_versions_v3(777, "trickle-" + "b" * 40)
    trickle_sent = threading.Event()
    trickle_error: list[BaseException] = []
    trickler = socket.create_connection((broker.host, broker.port), timeout=30)

    def trickle():
        try:
            for byte in trickle_request:
                trickler.sendall(bytes([byte]))
                time.sleep(0.1)
            trickle_sent.set()
        except BaseException as e:  # reported by the test thread
            trickle_error.append(e)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)
        during, _ = check_real_clients(broker, topic, "next to 10 half frames and a trickle", produced_before=31)
        assert not trickle_sent.is_set(), "the trickle ended before the real clients were done: nothing measured"
        print(f"baseline median {statistics.median(baseline) * 1000:.1f} ms, "
              f"with slow clients {statistics.median(during) * 1000:.1f} ms")
        thread.join(timeout=30)
        assert not trickle_error, trickle_error
        assert trickle_sent.is_set(), "trickle thread did not finish"
        # The slow clients were delayed, not dropped: each gets its answer once its frame is whole.
        assert read_correlation_id(trickler) == 777
        for i, (s, request) in enumerate(held):
            s.sendall(request[len(request) // 2:])
            assert read_correlation_id(s) == 1000 + i
    finally:
        thread.join(timeout=30)
        trickler.close()
        for s, _ in held:
            s.close()
    broker.assert_alive()


@pytest.mark.soak
def test_thousands_of_idle_connections_are_held(restore_fd_limit, kappa_factory, topic):
    count = 10_000 if SOAK else 1_000
    limit = raise_fd_limit(count + 1_000)
    if limit < count + 200:
        pytest.skip(f"RLIMIT_NOFILE hard limit {limit} is too low for {count} connections")
    broker = kappa_factory()  # after raising the limit: the broker inherits it
    create_topic(broker.bootstrap, topic)
    baseline, _ = check_real_clients(broker, topic, "no idle connections")
    rss_before = broker_rss_kib(broker)

    sockets: list[socket.socket] = []
    try:
        start = time.monotonic()
        for i in range(count):
            s = socket.create_connection((broker.host, broker.port), timeout=30)
            s.sendall(api_versions_v0(i))
            sockets.append(s)
            if i % 500 == 499:  # read as we go, so neither side's buffers fill up
                for j in range(i - 499, i + 1):
                    assert read_correlation_id(sockets[j]) == j
        for j in range(len(sockets) - len(sockets) % 500, len(sockets)):
            assert read_correlation_id(sockets[j]) == j
        opened = time.monotonic() - start
        rss_held = broker_rss_kib(broker)
        print(f"\n{count} connections opened and answered in {opened:.1f} s; broker RSS {rss_before / 1024:.1f} MiB "
              f"before, {rss_held / 1024:.1f} MiB with them open "
              f"({(rss_held - rss_before) * 1024 / count / 1024:.1f} KiB per connection)")

        during, _ = check_real_clients(broker, topic, f"next to {count} idle connections",
                                                  produced_before=31)
        print(f"baseline median {statistics.median(baseline) * 1000:.1f} ms, "
              f"with {count} idle {statistics.median(during) * 1000:.1f} ms")
        # Every connection is still open and served, not only accepted.
        step = max(1, count // 200)
        for j in range(0, count, step):
            sockets[j].sendall(api_versions_v0(count + j))
        for j in range(0, count, step):
            assert read_correlation_id(sockets[j]) == count + j
        # A few KiB of buffers per connection; 100 KiB each would mean something per connection that should not be.
        grown = rss_held - rss_before
        assert grown < count * 100, f"RSS grew {grown / 1024:.0f} MiB for {count} connections"
        broker.assert_alive()
    finally:
        for s in sockets:
            s.close()
    # The broker lets go of them again: a fresh client still works and the broker is alive.
    check_real_clients(broker, topic, f"after closing {count} connections", produced_before=62)
    broker.assert_alive()


def test_running_out_of_file_descriptors_is_survived(kappa_factory, topic):
    """More connections than the broker may open files: the ones it cannot accept wait (the listener
    backs off instead of spinning or dying), and once they go, real clients are served again."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        broker = kappa_factory()  # inherits a soft limit of 256 ...
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    # ... and takes all the hard limit allows at start-up,
    limits = (Path("/proc") / str(broker.proc.pid) / "limits").read_text()
    row = next(line for line in limits.splitlines() if line.startswith("Max open files"))
    assert row.split()[3] == str(hard), row
    # so only a hard limit (set on the running broker) can make it run out.
    resource.prlimit(broker.proc.pid, resource.RLIMIT_NOFILE, (128, 128))
    create_topic(broker.bootstrap, topic)
    sockets = []
    try:
        for i in range(300):
            s = socket.create_connection((broker.host, broker.port), timeout=10)
            s.sendall(api_versions_v0(i))
            sockets.append(s)
        answered = 0
        for i, s in enumerate(sockets):
            s.settimeout(0.05 if answered else 5)
            try:
                assert read_correlation_id(s) == i
                answered += 1
            except (socket.timeout, ConnectionResetError, AssertionError):
                pass
        print(f"\n{answered} of {len(sockets)} connections answered with a limit of 128 descriptors")
        assert 0 < answered < len(sockets), "the limit did not bite; the test measured nothing"
        broker.assert_alive()
    finally:
        for s in sockets:
            s.close()
    time.sleep(1.5)  # the listener's back-off after EMFILE
    check_real_clients(broker, topic, "after running out of descriptors")
    broker.assert_alive()
    assert "cannot accept connections: " in broker.stderr_text(), "running out of descriptors was not logged"


def test_pipelined_frames_behind_a_parked_fetch_are_not_buffered_without_bound(broker, topic):
    """A Fetch that waits for data keeps its connection busy; whatever the client pipelines behind it
    should stay in the socket buffers (the client blocks in send), not pile up in the broker's memory."""
    create_topic(broker.bootstrap, topic)
    rss_before = broker_rss_kib(broker)
    name = topic.encode()
    cid = b"pipeliner"
    fetch_v4 = (struct.pack(">hhih", 1, 4, 1, len(cid)) + cid
                # replica, max wait 30 s, min bytes, max bytes, isolation level
                + struct.pack(">iiiib", -1, 30_000, 1, 1 << 20, 0)
                + struct.pack(">ih", 1, len(name)) + name + struct.pack(">iiqi", 1, 0, 0, 1 << 20))
    junk = b"\x00" * (1 << 20)
    sent = 0
    with socket.create_connection((broker.host, broker.port), timeout=10) as s:
        s.sendall(frame(fetch_v4))
        time.sleep(0.2)  # parked: the topic is empty
        s.settimeout(3)
        try:
            for i in range(200):
                cid_i = struct.pack(">hhih", 18, 0, 100 + i, len(cid)) + cid
                s.sendall(frame(cid_i + junk))
                sent += 1
        except socket.timeout:
            pass  # the broker stopped reading: what we want
        time.sleep(0.5)
        grown_mib = (broker_rss_kib(broker) - rss_before) / 1024
        print(f"\n{sent} MiB pipelined behind a parked fetch; broker RSS grew {grown_mib:.0f} MiB")
    broker.assert_alive()
    assert grown_mib < 64, f"the broker buffered {grown_mib:.0f} MiB of frames for one busy connection"


def test_a_producer_pipelining_thousands_of_requests_is_slowed_not_closed(kappa_factory, topic):
    """librdkafka at linger 0 (no idempotence: up to a million requests in flight) sends one small
    Produce per message; with --flush always each waits for a sync, so thousands pile up behind it
    and one socket read brings in hundreds. The broker stops reading instead of closing the
    connection (a close makes the producer resend: duplicates, and 100+ ms stalls)."""
    from confluent_kafka import Consumer, Producer, TopicPartition

    broker = kappa_factory(args=["--flush", "always"])
    create_topic(broker.bootstrap, topic)
    count = 50_000
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "acks": "all",
                  "enable.idempotence": False, "socket.nagle.disable": True})
    errors = []
    for i in range(count):
        while True:
            try:
                p.produce(topic, str(i).encode(), on_delivery=lambda e, m: e and errors.append(e))
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    assert p.flush(60) == 0
    assert errors == []
    # The broker closing a connection, that is: a client's own reset (create_topic's admin client
    # going away) is logged with the same words and "Connection reset by peer".
    closes = [line for line in broker.stderr_text().splitlines()
              if "closing connection" in line and "Connection reset by peer" not in line]
    assert closes == []

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"g-{topic}", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    values = []
    deadline = time.monotonic() + 30
    while len(values) < count and time.monotonic() < deadline:
        for m in c.consume(1000, 0.5):
            assert m.error() is None, m.error()
            values.append(int(m.value()))
    c.close()
    assert values == list(range(count)), "records lost, duplicated or out of order"
