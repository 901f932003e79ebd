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
