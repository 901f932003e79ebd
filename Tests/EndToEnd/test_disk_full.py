"""A full disk: produce requests fail with KAFKA_STORAGE_ERROR (56) and a clear log line, reads go
on, nothing acknowledged is lost, no half-written batch stays in the log, and once there is room
again producing works again.

Two ways to fill the disk without a spare device:
- a file size limit (RLIMIT_FSIZE, `ulimit -f`) on the broker process: a write past it fails with
  EFBIG (the broker ignores SIGXFSZ); raised again with prlimit while the broker runs;
- a 2 MiB tmpfs as data directory, when this machine lets the test mount one (root); space comes
  back by deleting a ballast file.
"""
from __future__ import annotations

import resource
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from e2e import create_topic

HEADER_SIZE = 61


def producer(bootstrap: str) -> Producer:
    # No retries: the first answer is the one reported (KAFKA_STORAGE_ERROR is retriable).
    return Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0, "retries": 0,
                     "enable.idempotence": False, "message.timeout.ms": 10_000})


def send(p: Producer, topic: str, values: list[bytes]) -> list[tuple[KafkaError | None, int]]:
    """Produces values to partition 0, one request each, and returns (error, offset) per value."""
    reports = []
    for v in values:
        p.produce(topic, value=v, partition=0,
                  on_delivery=lambda err, msg: reports.append((err, msg.offset())))
        assert p.flush(15) == 0
    return reports


def fill_until_full(p: Producer, topic: str, value_size: int, limit: int, label: str):
    """Produces numbered values until one fails; returns (acknowledged (offset, value) pairs, the error)."""
    acked = []
    for i in range(limit):
        v = f"{label}-{i:05d}-".encode().ljust(value_size, b"x")
        [(err, offset)] = send(p, topic, [v])
        if err is not None:
            return acked, err
        acked.append((offset, v))
    pytest.fail(f"no produce failed after {limit} records of {value_size} bytes")


def read_partition(bootstrap: str, topic: str, timeout: float = 30.0) -> list[tuple[int, bytes]]:
    """Partition 0 from its start to its end, with CRC checks."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"r-{uuid.uuid4().hex[:8]}",
                  "enable.auto.commit": False, "check.crcs": True, "enable.partition.eof": True,
                  "auto.offset.reset": "earliest"})
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        got = []
        deadline = time.monotonic() + timeout
        while True:
            assert time.monotonic() < deadline, f"no end of partition after {len(got)} records"
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    return got
                pytest.fail(f"consumer error: {m.error()}")
            got.append((m.offset(), m.value()))
    finally:
        c.close()


def whole_batches(path: Path) -> bool:
    """True if the segment file is a sequence of whole batches, without a partial one at its end."""
    data = path.read_bytes()
    pos = 0
    while pos < len(data):
        if pos + HEADER_SIZE > len(data):
            return False
        pos += 12 + int.from_bytes(data[pos + 8:pos + 12], "big", signed=True)
    return pos == len(data)


def check_full(b, topic: str, acked: list, err: KafkaError, fails: list, data_dir: Path, reason: str) -> None:
    assert err.code() == KafkaError.KAFKA_STORAGE_ERROR, f"want KAFKA_STORAGE_ERROR (56), got {err}"
    assert all(e is not None and e.code() == KafkaError.KAFKA_STORAGE_ERROR for e, _ in fails), fails
    b.assert_alive()
    log = b.stderr_text()
    lines = [x for x in log.splitlines() if f"produce to {topic}-0 failed, not written" in x]
    assert lines and reason in lines[0], f"want a log line naming the failure ({reason}):\n{log[-3000:]}"
    # Reads go on; exactly what was acknowledged is there, no partial batch in the segment files.
    assert read_partition(b.bootstrap, topic) == acked
    for seg in sorted((data_dir / f"{topic}-0").glob("*.log")):
        assert whole_batches(seg), f"{seg} ends in a partial batch"
    print(f"full after {len(acked)} records; {1 + len(fails)} produces answered KAFKA_STORAGE_ERROR; "
          f"log: {lines[0].split('] ', 1)[-1]}")


def test_a_file_size_limit_fails_produces_with_storage_error_and_loses_nothing(kappa_factory, tmp_path):
    b = kappa_factory(data_dir=tmp_path / "data", args=["--flush", "always"])
    topic = f"fsize-{uuid.uuid4().hex[:8]}"
    create_topic(b.bootstrap, topic, partitions=1)
    b.stop()
    limit = 256 * 1024

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    b.preexec_fn = limit_file_size
    b.start()
    p = producer(b.bootstrap)
    acked, err = fill_until_full(p, topic, 1000, 2 * limit // 1000, "a")
    fails = send(p, topic, [b"y" * 1000] * 3)
    segment = tmp_path / "data" / f"{topic}-0" / "00000000000000000000.log"
    assert segment.stat().st_size <= limit
    check_full(b, topic, acked, err, fails, tmp_path / "data", "File too large")

    # Room again: raise the limit of the running broker.
    resource.prlimit(b.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    more = [f"b-{i}".encode() for i in range(10)]
    reports = send(p, topic, more)
    assert [e for e, _ in reports] == [None] * 10
    assert [o for _, o in reports] == list(range(len(acked), len(acked) + 10))
    expected = acked + list(zip(range(len(acked), len(acked) + 10), more))
    assert read_partition(b.bootstrap, topic) == expected

    b.preexec_fn = None
    b.restart()
    assert "torn batch" not in b.stderr_text()
    assert read_partition(b.bootstrap, topic) == expected


def test_a_full_tmpfs_fails_produces_with_storage_error_and_loses_nothing(kappa_factory, tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    b = None
    try:
        ballast = mnt / "ballast"
        ballast.write_bytes(b"\0" * (512 * 1024))
        data = mnt / "data"
        b = kappa_factory(data_dir=data, args=["--flush", "always", "--segment-bytes", str(256 * 1024)])
        topic = f"tmpfs-{uuid.uuid4().hex[:8]}"
        create_topic(b.bootstrap, topic, partitions=1)
        p = producer(b.bootstrap)
        acked, err = fill_until_full(p, topic, 4000, 1000, "a")
        fails = send(p, topic, [b"y" * 4000] * 3)
        check_full(b, topic, acked, err, fails, data, "No space left on device")

        ballast.unlink()
        more = [f"b-{i}".encode().ljust(4000, b"z") for i in range(20)]
        reports = send(p, topic, more)
        assert [e for e, _ in reports] == [None] * 20
        assert [o for _, o in reports] == list(range(len(acked), len(acked) + 20))
        expected = acked + list(zip(range(len(acked), len(acked) + 20), more))
        assert read_partition(b.bootstrap, topic) == expected
        b.restart()
        assert "torn batch" not in b.stderr_text()
        assert read_partition(b.bootstrap, topic) == expected
        b.stop()
    finally:
        if b is not None and b.is_running():
            b.kill()
        subprocess.run(["umount", str(mnt)], capture_output=True)
