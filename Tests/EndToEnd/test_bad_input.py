"""Malformed input on raw sockets: the broker closes that connection, stays up and keeps serving."""
import socket
import struct
import time

import pytest

from e2e import create_topic, produce, read_all

CLOSE_TIMEOUT = 5.0


def frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def request_header(api_key: int, api_version: int, correlation_id: int, client_id: str = "e2e"):
    """Request header v1: int16 key, int16 version, int32 correlation id, int16-length client id."""
    cid = client_id.encode()
    return struct.pack(">hhih", api_key, api_version, correlation_id, len(cid)) + cid


def connect(broker) -> socket.socket:
    return socket.create_connection((broker.host, broker.port), timeout=CLOSE_TIMEOUT)


def read_until_closed(s: socket.socket, timeout: float = CLOSE_TIMEOUT) -> bytes:
    """Everything the broker sends until it closes the connection; fails if it stays open."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"connection still open {timeout:.0f} s later (received {data[:64]!r})")
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return data
        except socket.timeout:
            continue
        if not chunk:
            return data
        data += chunk


def read_response(s: socket.socket) -> bytes:
    size = struct.unpack(">i", recv_exactly(s, 4))[0]
    return recv_exactly(s, size)


def recv_exactly(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        assert chunk, f"connection closed after {len(buf)} of {n} bytes"
        buf += chunk
    return buf


def assert_still_serving(broker, topic):
    broker.assert_alive()
    create_topic(broker.bootstrap, topic)
    recs = [{"key": f"k{i}".encode(), "value": f"still fine {i}".encode()} for i in range(10)]
    reports = produce(broker.bootstrap, topic, recs)
    assert all(err is None for err, _, _ in reports), reports
    assert [(m.key(), m.value()) for m in read_all(broker.bootstrap, topic, 1)] == \
        [(r["key"], r["value"]) for r in recs]
    broker.assert_alive()


def test_raw_api_versions_request_is_answered(broker):
    """Control for the cases below: a well-formed request on the same kind of raw socket works."""
    with connect(broker) as s:
        s.sendall(frame(request_header(api_key=18, api_version=0, correlation_id=4242)))
        resp = read_response(s)
    corr, error, n = struct.unpack(">ihi", resp[:10])
    assert corr == 4242 and error == 0
    assert len(resp) == 10 + 6 * n, f"not a v0-format ApiVersions response body: {resp[:40]!r}"
    keys = {struct.unpack(">hhh", resp[10 + 6 * i:16 + 6 * i])[0] for i in range(n)}
    assert {0, 1, 2, 3, 18} <= keys, f"advertised api keys: {sorted(keys)}"


def test_unsupported_api_versions_version_gets_error_35(broker):
    """KIP-511: an ApiVersions version the broker does not know is answered in v0 format with
    UNSUPPORTED_VERSION (35) and the supported ApiVersions range; clients then retry lower."""
    # as a client newer than the broker sends it: flexible header (v2: a tag buffer after the
    # client id) and a v3-style body (compact client software name and version, tag buffer)
    body = b"\x04e2e" + b"\x041.0" + b"\x00"
    with connect(broker) as s:
        s.sendall(frame(request_header(api_key=18, api_version=999, correlation_id=77) + b"\x00"
                        + body))
        resp = read_response(s)
    corr, error, n = struct.unpack(">ihi", resp[:10])
    assert (corr, error) == (77, 35)
    assert len(resp) == 10 + 6 * n, f"not a v0-format ApiVersions response body: {resp[:40]!r}"
    entries = [struct.unpack(">hhh", resp[10 + 6 * i:16 + 6 * i]) for i in range(n)]
    assert any(key == 18 and lo == 0 and hi >= 3 for key, lo, hi in entries), entries


BAD_INPUTS = {
    # 64 bytes of 0xfe after a valid size: api key -258, nonsense everywhere
    "garbage": struct.pack(">i", 64) + b"\xfe" * 64,
    # an HTTP request: its first four bytes declare a ~1.1 GiB frame
    "http-request": b"GET / HTTP/1.1\r\nHost: kappa\r\n\r\n",
    "negative-size": struct.pack(">i", -2) + b"\x00" * 32,
    "zero-size": struct.pack(">i", 0),
    # 2 GiB - 1 declared; the broker must not wait for (or allocate) it
    "2GiB-frame": struct.pack(">i", 2**31 - 1) + request_header(0, 9, 1),
    "unknown-api-key-999": frame(request_header(api_key=999, api_version=0, correlation_id=1)),
    "unsupported-metadata-version": frame(request_header(api_key=3, api_version=999,
                                                         correlation_id=1)),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_closes_connection(broker, topic, name):
    with connect(broker) as s:
        s.sendall(BAD_INPUTS[name])
        read_until_closed(s)
    assert_still_serving(broker, topic)


def test_truncated_frame_then_close(broker, topic):
    whole = frame(request_header(api_key=18, api_version=0, correlation_id=5) + b"\x00" * 40)
    with connect(broker) as s:
        s.sendall(whole[:12])  # size + part of the header, then end of stream
        s.shutdown(socket.SHUT_WR)
        read_until_closed(s)
    assert_still_serving(broker, topic)


def test_bad_connections_do_not_disturb_a_good_one(broker, topic):
    """A client keeps working while other connections send garbage and vanish."""
    with connect(broker) as good:
        for i in range(20):
            with connect(broker) as bad:
                bad.sendall(BAD_INPUTS["garbage" if i % 2 else "2GiB-frame"])
                read_until_closed(bad)
            good.sendall(frame(request_header(api_key=18, api_version=0, correlation_id=i)))
            assert struct.unpack(">i", read_response(good)[:4])[0] == i
    assert_still_serving(broker, topic)


# ----------------------------------------------------------------------------------------------
# Requests that are well-formed but ask for something the broker must refuse with an error code
# (and then go on serving the same connection).

MESSAGE_TOO_LARGE = 10
INVALID_TOPIC = 17


def record_batch(values: list[bytes]) -> bytes:
    """An uncompressed magic-2 batch (kafka-python's builder computes the CRC-32C)."""
    from kafka.record.default_records import DefaultRecordBatchBuilder

    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=0, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=2**31 - 1)
    now = int(time.time() * 1000)
    for i, value in enumerate(values):
        builder.append(i, timestamp=now, key=None, value=value, headers=[])
    return bytes(builder.build())


def produce_v3(topic: str, records: bytes, correlation_id: int) -> bytes:
    """Produce v3, acks=all, one topic, partition 0."""
    name = topic.encode()
    body = struct.pack(">hhi", -1, -1, 10_000)  # null transactional id, acks, timeout
    body += struct.pack(">ih", 1, len(name)) + name + struct.pack(">iii", 1, 0, len(records)) + records
    return frame(request_header(api_key=0, api_version=3, correlation_id=correlation_id) + body)


def produce_v3_results(resp: bytes, correlation_id: int) -> list[tuple[str, int, int, int]]:
    """(topic, partition, error code, base offset) of each partition in a Produce v3 response."""
    corr, topics = struct.unpack(">ii", resp[:8])
    assert corr == correlation_id
    pos, out = 8, []
    for _ in range(topics):
        (n,) = struct.unpack(">h", resp[pos:pos + 2])
        name = resp[pos + 2:pos + 2 + n].decode()
        (parts,) = struct.unpack(">i", resp[pos + 2 + n:pos + 6 + n])
        pos += 6 + n
        for _ in range(parts):
            index, error, base_offset, _append_time = struct.unpack(">ihqq", resp[pos:pos + 22])
            out.append((name, index, error, base_offset))
            pos += 22
    assert len(resp) == pos + 4, "trailing bytes after the throttle time"
    return out


def metadata_v4_topic_errors(s: socket.socket, names: list[str], correlation_id: int) -> dict[str, int]:
    """Sends Metadata v4 for `names` with auto-creation allowed; returns each topic's error code."""
    body = struct.pack(">i", len(names))
    for name in names:
        raw = name.encode()
        body += struct.pack(">h", len(raw)) + raw
    body += b"\x01"  # allow_auto_topic_creation
    s.sendall(frame(request_header(api_key=3, api_version=4, correlation_id=correlation_id) + body))
    resp = read_response(s)
    assert struct.unpack(">i", resp[:4])[0] == correlation_id
    pos = 8  # correlation id, throttle time
    (brokers,) = struct.unpack(">i", resp[pos:pos + 4])
    pos += 4
    for _ in range(brokers):
        pos += 4
        (n,) = struct.unpack(">h", resp[pos:pos + 2])
        pos += 2 + n + 4
        (n,) = struct.unpack(">h", resp[pos:pos + 2])
        pos += 2 + max(n, 0)
    (n,) = struct.unpack(">h", resp[pos:pos + 2])  # cluster id
    pos += 2 + max(n, 0) + 4  # and controller id
    (topics,) = struct.unpack(">i", resp[pos:pos + 4])
    pos += 4
    errors = {}
    for _ in range(topics):
        error, n = struct.unpack(">hh", resp[pos:pos + 4])
        name = resp[pos + 4:pos + 4 + n].decode()
        pos += 4 + n + 1  # is_internal
        (parts,) = struct.unpack(">i", resp[pos:pos + 4])
        pos += 4
        for _ in range(parts):
            pos += 2 + 4 + 4  # error, index, leader
            for _ in range(2):  # replicas, isr
                (k,) = struct.unpack(">i", resp[pos:pos + 4])
                pos += 4 + 4 * k
        errors[name] = error
    assert pos == len(resp), f"{len(resp) - pos} bytes left in a Metadata v4 response"
    return errors


INVALID_NAMES = ["bad topic!", "a/b", ".", "..", "x" * 250, "tab\there", "ünïcode"]


def test_invalid_topic_names_get_invalid_topic(broker, topic):
    from confluent_kafka import KafkaError
    from confluent_kafka.admin import AdminClient, NewTopic

    with connect(broker) as s:
        assert metadata_v4_topic_errors(s, INVALID_NAMES, 1) == {name: INVALID_TOPIC for name in INVALID_NAMES}
        for i, name in enumerate(INVALID_NAMES):
            s.sendall(produce_v3(name, record_batch([b"never stored"]), 100 + i))
            assert produce_v3_results(read_response(s), 100 + i) == [(name, 0, INVALID_TOPIC, -1)]
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1) for name in INVALID_NAMES],
                                  operation_timeout=10, request_timeout=15)
    for name, future in futures.items():
        with pytest.raises(Exception) as raised:
            future.result(timeout=20)
        error = raised.value.args[0]
        assert error.code() == KafkaError.TOPIC_EXCEPTION, f"{name!r}: {error}"
    listed = admin.list_topics(timeout=10).topics
    assert not set(INVALID_NAMES) & set(listed), f"invalid names were created: {set(INVALID_NAMES) & set(listed)}"
    assert_still_serving(broker, topic)


def test_oversized_batches_get_message_too_large(broker, topic):
    from confluent_kafka import KafkaError, Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    small = f"{topic}-small"
    admin.create_topics([NewTopic(small, num_partitions=1, replication_factor=1,
                                  config={"max.message.bytes": "2000"})])[small].result(timeout=20)
    create_topic(broker.bootstrap, topic)
    with connect(broker) as s:
        # The topic's own limit: a 5,000-byte batch is refused, the next small one is stored at offset 0.
        s.sendall(produce_v3(small, record_batch([b"x" * 5000]), 1))
        assert produce_v3_results(read_response(s), 1) == [(small, 0, MESSAGE_TOO_LARGE, -1)]
        s.sendall(produce_v3(small, record_batch([b"fits"]), 2))
        assert produce_v3_results(read_response(s), 2) == [(small, 0, 0, 0)]
        # The broker's default max.message.bytes (1 MiB + 12): a 1.5 MB batch is refused.
        s.sendall(produce_v3(topic, record_batch([b"y" * 1_500_000]), 3))
        assert produce_v3_results(read_response(s), 3) == [(topic, 0, MESSAGE_TOO_LARGE, -1)]
    # A real client whose own limit lets the record through hears the broker's refusal.
    reports = []
    p = Producer({"bootstrap.servers": broker.bootstrap, "message.max.bytes": 4_000_000, "acks": "all",
                  "compression.type": "none", "retries": 0})
    p.produce(topic, value=b"z" * 1_500_000, on_delivery=lambda err, msg: reports.append(err))
    assert p.flush(30) == 0
    assert len(reports) == 1 and reports[0] is not None
    assert reports[0].code() == KafkaError.MSG_SIZE_TOO_LARGE, reports[0]
    del p  # closes its connections now, not after the broker is gone
    assert [m.value() for m in read_all(broker.bootstrap, small, 1)] == [b"fits"]
    assert_still_serving(broker, f"{topic}-after")
