"""Damaged data directories: the broker is stopped, files in its data directory are damaged the way
disks and crashes damage them, and the restarted broker must notice, say what it did, serve what is
intact, and never crash.

- a flipped byte inside a stored batch (CRC-32C): reported once, the partition serves the batches
  before it, a fetch at it gets CORRUPT_MESSAGE, a consumer past it reads on;
- a truncated segment, a missing and a corrupt index: repaired at start-up with a log line;
- a half-written (and a garbled) line in the consumer-offsets file: dropped with a log line, every
  other commit kept.
"""
from __future__ import annotations

import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, TopicPartition

from e2e import create_topic

SEGMENT_BYTES = 32 * 1024
VALUE_SIZE = 100
HEADER_SIZE = 61
# Record timestamps: recent enough that retention (7 days) leaves the segments alone.
TS0 = int(time.time() * 1000) - 3_600_000


def batches(path: Path) -> list[tuple[int, int, int, int]]:
    """(position, base offset, last offset, size) of every whole batch in a segment file."""
    data = path.read_bytes()
    out, pos = [], 0
    while pos + HEADER_SIZE <= len(data):
        base = int.from_bytes(data[pos:pos + 8], "big", signed=True)
        size = 12 + int.from_bytes(data[pos + 8:pos + 12], "big", signed=True)
        last_delta = int.from_bytes(data[pos + 23:pos + 27], "big", signed=True)
        if size < HEADER_SIZE or pos + size > len(data):
            break
        out.append((pos, base, base + last_delta, size))
        pos += size
    return out


def segments(partition_dir: Path) -> list[Path]:
    return sorted(partition_dir.glob("*.log"), key=lambda p: int(p.stem))


def flip_byte(path: Path, position: int) -> None:
    with open(path, "r+b") as f:
        f.seek(position)
        byte = f.read(1)[0]
        f.seek(position)
        f.write(bytes([byte ^ 0xFF]))


def value(p: int, i: int) -> bytes:
    return f"p{p}-{i:05d}-".encode().ljust(VALUE_SIZE, b".")


def fill(bootstrap: str, topic: str, partition: int, count: int, start: int = 0):
    """Produces `count` records to one partition in batches of about 20 (timestamps TS0 + i)."""
    records = [{"key": None, "value": value(partition, i), "timestamp": TS0 + i}
               for i in range(start, start + count)]
    reports = []
    for chunk in range(0, count, 20):
        part = records[chunk:chunk + 20]
        reports.extend(_produce_to(bootstrap, topic, partition, part))
    return reports


def _produce_to(bootstrap: str, topic: str, partition: int, records: list[dict]):
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "acks": "all"})
    reports = []
    for r in records:
        p.produce(topic, value=r["value"], partition=partition, timestamp=r["timestamp"],
                  on_delivery=lambda err, msg: reports.append((err, msg.offset())))
    assert p.flush(30) == 0
    assert all(err is None for err, _ in reports), reports
    return reports


def consume_until_error(bootstrap: str, topic: str, partition: int, start: int, errors_wanted: int = 2,
                        timeout: float = 30.0):
    """Reads one partition from `start` with CRC checks until `errors_wanted` consumer errors came
    (librdkafka repeats a fetch error after its back-off). Returns (offsets read, values, errors)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"c-{uuid.uuid4().hex[:8]}",
                  "enable.auto.commit": False, "check.crcs": True, "auto.offset.reset": "error",
                  "enable.partition.eof": False, "fetch.error.backoff.ms": 200})
    try:
        c.assign([TopicPartition(topic, partition, start)])
        offsets, values, errors = [], [], []
        deadline = time.monotonic() + timeout
        while len(errors) < errors_wanted:
            assert time.monotonic() < deadline, f"only {len(errors)} errors after {len(offsets)} records"
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                errors.append(m.error())
                continue
            offsets.append(m.offset())
            values.append(m.value())
        return offsets, values, errors
    finally:
        c.close()


def consume_range(bootstrap: str, topic: str, partition: int, start: int, end: int, timeout: float = 30.0):
    """Offsets and values of one partition from `start` up to (not including) `end`."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"c-{uuid.uuid4().hex[:8]}",
                  "enable.auto.commit": False, "check.crcs": True, "auto.offset.reset": "error"})
    try:
        c.assign([TopicPartition(topic, partition, start)])
        got = []
        deadline = time.monotonic() + timeout
        while not got or got[-1][0] < end - 1:
            assert time.monotonic() < deadline, f"read {len(got)} records of {end - start}"
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, f"consumer error at {got[-1][0] if got else start}: {m.error()}"
            got.append((m.offset(), m.value()))
        return got
    finally:
        c.close()


def test_a_flipped_byte_is_reported_and_the_partition_serves_what_precedes_it(kappa_factory, tmp_path):
    b = kappa_factory(data_dir=tmp_path / "data", args=["--segment-bytes", str(SEGMENT_BYTES)])
    topic = f"flip-{uuid.uuid4().hex[:8]}"
    create_topic(b.bootstrap, topic, partitions=2)
    count = 600
    for p in range(2):
        fill(b.bootstrap, topic, p, count)
    b.stop()

    # Partition 0: a batch in the middle of its first (older) segment, found by the first read.
    # Partition 1: the next-to-last batch of its active segment, found by recovery at start-up
    # (batches after the last index entry are rescanned with CRC checks) or by the first read.
    damaged = {}
    for p in range(2):
        segs = segments(tmp_path / "data" / f"{topic}-{p}")
        assert len(segs) >= 3, f"partition {p}: want several segments, got {len(segs)}"
        seg = segs[0] if p == 0 else segs[-1]
        found = batches(seg)
        pos, base, last, size = found[len(found) // 2] if p == 0 else found[-2]
        flip_byte(seg, pos + size - 7)  # inside the last record's value: covered by the CRC
        damaged[p] = (seg, pos, base, last)

    b.start()
    for p, (seg, pos, base, last) in damaged.items():
        offsets, values, errors = consume_until_error(b.bootstrap, topic, p, 0)
        assert offsets == list(range(base)), f"partition {p}: read {offsets[:3]}...{offsets[-3:]}, want 0..{base - 1}"
        assert values == [value(p, i) for i in range(base)]
        assert all(e.code() == KafkaError.INVALID_MSG for e in errors), errors  # CORRUPT_MESSAGE (2)
        # Past the damaged batch the partition reads on to its end.
        after = consume_range(b.bootstrap, topic, p, last + 1, count)
        assert [o for o, _ in after] == list(range(last + 1, count))
        assert [v for _, v in after] == [value(p, i) for i in range(last + 1, count)]
        b.assert_alive()
        line = f"corrupt record batch in {seg} at position {pos} (offsets {base}...{last})"
        logged = [x for x in b.stderr_text().splitlines() if line in x]
        assert len(logged) == 1, f"want one log line with '{line}', got {logged}"
        print(f"partition {p}: damaged batch {base}...{last} in {seg.name}; {len(offsets)} records before it "
              f"served, {len(errors)} fetches at it answered CORRUPT_MESSAGE, {len(after)} after it served; "
              f"log: {logged[0].split(': ', 1)[-1]}")
    # Producing still works on both partitions.
    for p in range(2):
        assert fill(b.bootstrap, topic, p, 5, start=count)[0][1] == count


def test_a_truncated_segment_and_missing_or_corrupt_indexes_are_repaired_at_start_up(kappa_factory, tmp_path):
    b = kappa_factory(data_dir=tmp_path / "data", args=["--segment-bytes", str(SEGMENT_BYTES)])
    topic = f"repair-{uuid.uuid4().hex[:8]}"
    create_topic(b.bootstrap, topic, partitions=1)
    count = 600
    fill(b.bootstrap, topic, 0, count)
    b.stop()

    pdir = tmp_path / "data" / f"{topic}-0"
    segs = segments(pdir)
    assert len(segs) >= 3
    last_pos, last_base, _, last_size = batches(segs[-1])[-1]
    with open(segs[-1], "r+b") as f:  # a torn last write
        f.truncate(last_pos + last_size // 2)
    segs[0].with_suffix(".index").unlink()
    with open(segs[1].with_suffix(".timeindex"), "r+b") as f:
        f.truncate(5)
    with open(segs[1].with_suffix(".index"), "ab") as f:
        f.write(b"\x00\x00\x00")

    b.start()
    log = b.stderr_text()
    assert f"truncated {last_size // 2} bytes of a torn batch at position {last_pos}" in log, log
    assert f"rebuilt missing index for segment {segs[0].stem}" in log, log
    assert f"rebuilt inconsistent (offset index size" in log and segs[1].stem in log, log
    msgs = consume_range(b.bootstrap, topic, 0, 0, last_base)
    assert [o for o, _ in msgs] == list(range(last_base))
    assert [v for _, v in msgs] == [value(0, i) for i in range(last_base)]

    # Timestamp lookups use the rebuilt time index.
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "t"})
    try:
        found = c.offsets_for_times([TopicPartition(topic, 0, TS0 + 300)], timeout=10)
        assert found[0].offset == 300
    finally:
        c.close()

    # The log goes on where the torn batch began, and a clean restart finds nothing to repair.
    reports = fill(b.bootstrap, topic, 0, 10, start=count)
    assert reports[0][1] == last_base
    b.restart()
    assert "recovered partition dir" not in b.stderr_text(), b.stderr_text()
    tail = consume_range(b.bootstrap, topic, 0, last_base - 2, last_base + 10)
    assert [v for _, v in tail] == [value(0, i) for i in (last_base - 2, last_base - 1)] + \
        [value(0, i) for i in range(count, count + 10)]
    print(f"repaired: torn batch at offset {last_base} ({last_size // 2} bytes cut), missing index of "
          f"{segs[0].name}, corrupt indexes of {segs[1].name}; {last_base} records intact")


def test_a_half_written_offsets_file_is_repaired_at_start_up(kappa_factory, tmp_path):
    b = kappa_factory(data_dir=tmp_path / "data")
    topic = f"offs-{uuid.uuid4().hex[:8]}"
    create_topic(b.bootstrap, topic, partitions=2)

    def commit(group: str, offsets: dict[int, int]):
        c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": group, "enable.auto.commit": False})
        try:
            res = c.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
            assert all(tp.error is None for tp in res), res
        finally:
            c.close()

    def committed(group: str) -> dict[int, int]:
        c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": group, "enable.auto.commit": False})
        try:
            return {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in range(2)],
                                                                    timeout=10)}
        finally:
            c.close()

    commit("g1", {0: 5, 1: 6})
    commit("g2", {0: 7})
    b.stop()
    path = tmp_path / "data" / "consumer-offsets.log"
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) == 3, lines
    later = lines[2].replace(b'"o":7', b'"o":9')  # a later commit of g2, after a damaged line
    assert later != lines[2]
    path.write_bytes(b"".join(lines) + b"\x00\x17garbage}\n" + later + b'{"g":"g1","o":11,"p":0,"t":"' +
                     topic.encode()[:5])

    b.start()
    log = b.stderr_text()
    assert "skipped 1 unreadable line(s)" in log, log
    assert "bytes of a half-written last line after 4 commit line(s)" in log, log
    assert committed("g1") == {0: 5, 1: 6}
    assert committed("g2") == {0: 9, 1: -1001}
    commit("g1", {1: 8})
    b.restart()
    assert "consumer-offsets.log" not in b.stderr_text(), b.stderr_text()
    assert committed("g1") == {0: 5, 1: 8}
    assert committed("g2")[0] == 9
