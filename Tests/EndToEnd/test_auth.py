"""SASL (PLAIN, SCRAM-SHA-256) and TLS on `kappa broker`: real clients (confluent-kafka, kcat, kafka-python)
with security.protocol SASL_PLAINTEXT and SASL_SSL, wrong passwords, and a raw socket that tries to read
Metadata without authenticating. The users file is written by `kappa users add`; the certificate is a
self-signed one made here with the openssl command line and trusted through ssl.ca.location."""
from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import time

import pytest

from e2e import kappa_bin, produce, read_all, wait_until

USERS = {"alice": "alice-Secret-1", "bob": "b0b,with=odd chars"}
WRONG = "not-the-Password-42"
CLIENT_TIMEOUT = 30


@pytest.fixture(scope="module")
def users_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "users.toml"
    for name, password in USERS.items():
        r = subprocess.run([str(kappa_bin()), "users", "add", name, "--users-file", str(path)],
                           input=(password + "\n").encode(), capture_output=True, timeout=CLIENT_TIMEOUT)
        assert r.returncode == 0, r.stderr.decode(errors="replace")
    text = path.read_text()
    for password in USERS.values():
        assert password not in text, "the users file must never hold a password"
    return path


def start_secure(kappa_factory, users_file, certificate, protocol):
    args = ["--memory", "--sasl-users", str(users_file)]
    if protocol == "SASL_SSL":
        cert, key = certificate
        args += ["--tls-cert", str(cert), "--tls-key", str(key)]
    return kappa_factory(args=args)


def client_conf(protocol, mechanism, user, password, certificate):
    conf = {"security.protocol": protocol, "sasl.mechanism": mechanism,
            "sasl.username": user, "sasl.password": password}
    if protocol == "SASL_SSL":
        conf["ssl.ca.location"] = str(certificate[0])
    return conf


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_confluent_right_password_produces_and_consumes(kappa_factory, users_file, certificate, topic,
                                                        protocol, mechanism):
    b = start_secure(kappa_factory, users_file, certificate, protocol)
    user = "bob" if mechanism == "SCRAM-SHA-256" else "alice"
    conf = client_conf(protocol, mechanism, user, USERS[user], certificate)
    records = [{"key": f"k{i}".encode(), "value": f"value {i}".encode()} for i in range(20)]
    reports = produce(b.bootstrap, topic, records, **conf)
    assert all(err is None for err, _, _ in reports), reports
    got = read_all(b.bootstrap, topic, 1, **conf)
    assert [(m.key(), m.value()) for m in got] == [(r["key"], r["value"]) for r in records]
    log = b.stderr_text()
    assert f"authenticated '{user}' with {mechanism}" in log
    assert USERS[user] not in log


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_confluent_wrong_password_gets_the_authentication_error(kappa_factory, users_file, certificate,
                                                                protocol, mechanism):
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient

    b = start_secure(kappa_factory, users_file, certificate, protocol)
    errors = []
    conf = client_conf(protocol, mechanism, "alice", WRONG, certificate)
    admin = AdminClient({"bootstrap.servers": b.bootstrap, "error_cb": errors.append, **conf})
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=5)
    wait_until(lambda: auth_error_seen(admin, errors), 10, what="an authentication error from librdkafka")
    auth = next(e for e in errors if e.code() == KafkaError._AUTHENTICATION)
    assert "Authentication failed" in auth.str(), auth.str()
    log = b.stderr_text()
    assert f"authentication of 'alice' with {mechanism}" in log and "failed" in log
    assert WRONG not in log, "the broker must never log a password"
    b.assert_alive()


def auth_error_seen(admin, errors):
    """Serves librdkafka's callbacks (error_cb runs only in poll) and looks for the authentication error."""
    from confluent_kafka import KafkaError

    admin.poll(0.1)
    return any(e.code() == KafkaError._AUTHENTICATION for e in errors)


def test_unknown_user_fails_like_a_wrong_password(kappa_factory, users_file, certificate):
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    b = start_secure(kappa_factory, users_file, certificate, "SASL_PLAINTEXT")
    errors = []
    conf = client_conf("SASL_PLAINTEXT", "SCRAM-SHA-256", "mallory", WRONG, certificate)
    admin = AdminClient({"bootstrap.servers": b.bootstrap, "error_cb": errors.append, **conf})
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=5)
    wait_until(lambda: auth_error_seen(admin, errors), 10, what="an authentication error from librdkafka")
    assert "unknown user" in b.stderr_text()


def kcat_args(kcat, bootstrap, protocol, mechanism, user, password, certificate):
    args = [kcat, "-b", bootstrap, "-X", f"security.protocol={protocol}", "-X", f"sasl.mechanisms={mechanism}",
            "-X", f"sasl.username={user}", "-X", f"sasl.password={password}"]
    if protocol == "SASL_SSL":
        args += ["-X", f"ssl.ca.location={certificate[0]}"]
    return args


@pytest.mark.parametrize("protocol,mechanism", [("SASL_PLAINTEXT", "SCRAM-SHA-256"), ("SASL_SSL", "PLAIN"),
                                                ("SASL_SSL", "SCRAM-SHA-256")])
def test_kcat_produces_and_consumes_and_a_wrong_password_fails(kappa_factory, users_file, certificate, topic,
                                                               protocol, mechanism):
    kcat = shutil.which("kcat")
    assert kcat, "kcat is not installed: run scripts/setup.sh"
    b = start_secure(kappa_factory, users_file, certificate, protocol)
    base = kcat_args(kcat, b.bootstrap, protocol, mechanism, "alice", USERS["alice"], certificate)
    lines = [f"key{i}:value {i}" for i in range(10)]
    r = subprocess.run([*base, "-t", topic, "-P", "-K:"], input=("\n".join(lines) + "\n").encode(),
                       capture_output=True, timeout=CLIENT_TIMEOUT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    r = subprocess.run([*base, "-t", topic, "-C", "-o", "beginning", "-e", "-q", "-f", r"%k:%s\n"],
                       capture_output=True, timeout=CLIENT_TIMEOUT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert r.stdout.decode().splitlines() == lines

    wrong = kcat_args(kcat, b.bootstrap, protocol, mechanism, "alice", WRONG, certificate)
    r = subprocess.run([*wrong, "-L", "-m", "5"], capture_output=True, timeout=CLIENT_TIMEOUT)
    assert r.returncode != 0
    assert "Authentication failed" in r.stderr.decode(errors="replace")
    assert topic not in r.stdout.decode(errors="replace")


def kafka_request(api_key, version, correlation, body=b"", client_id=b"raw"):
    header = struct.pack(">hhih", api_key, version, correlation, len(client_id)) + client_id
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def read_frame(sock, timeout=10.0):
    """One size-prefixed frame, or None when the broker closed the connection first."""
    sock.settimeout(timeout)
    data = b""
    while len(data) < 4:
        chunk = sock.recv(4 - len(data))
        if not chunk:
            return None
        data += chunk
    (size,) = struct.unpack(">i", data)
    body = b""
    while len(body) < size:
        chunk = sock.recv(size - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def assert_closed_without_data(sock, timeout=10.0):
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    received = b""
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    else:
        pytest.fail("the broker kept the unauthenticated connection open")
    assert received == b"", f"the broker answered an unauthenticated request: {received[:200]!r}"


def test_unauthenticated_metadata_gets_the_connection_closed(kappa_factory, users_file, certificate, topic):
    b = start_secure(kappa_factory, users_file, certificate, "SASL_PLAINTEXT")
    conf = client_conf("SASL_PLAINTEXT", "PLAIN", "alice", USERS["alice"], certificate)
    produce(b.bootstrap, topic, [{"key": b"k", "value": b"secret record"}], **conf)

    metadata_all_topics = struct.pack(">i", -1)  # Metadata v1: a null topic array asks for every topic
    with socket.create_connection((b.host, b.port), timeout=10) as s:
        s.sendall(kafka_request(3, 1, 7, metadata_all_topics))
        assert_closed_without_data(s)

    # ApiVersions is answered before authentication, and then Metadata still closes the connection.
    with socket.create_connection((b.host, b.port), timeout=10) as s:
        s.sendall(kafka_request(18, 0, 1))
        frame = read_frame(s)
        assert frame is not None and struct.unpack(">ih", frame[:6]) == (1, 0)
        s.sendall(kafka_request(3, 1, 2, metadata_all_topics))
        assert_closed_without_data(s)

    log = b.stderr_text()
    assert "Metadata before authenticating" in log
    b.assert_alive()


def test_handshake_v0_with_a_bare_plain_token(kappa_factory, users_file, certificate, topic):
    """Old clients: SaslHandshake v0, then the PLAIN token as a bare size-prefixed frame, no SaslAuthenticate."""
    b = start_secure(kappa_factory, users_file, certificate, "SASL_PLAINTEXT")
    mechanism = b"PLAIN"
    with socket.create_connection((b.host, b.port), timeout=10) as s:
        s.sendall(kafka_request(17, 0, 1, struct.pack(">h", len(mechanism)) + mechanism))
        frame = read_frame(s)
        assert frame is not None
        correlation, error = struct.unpack(">ih", frame[:6])
        assert (correlation, error) == (1, 0)
        token = b"\0alice\0" + USERS["alice"].encode()
        s.sendall(struct.pack(">i", len(token)) + token)
        assert read_frame(s) == b"", "PLAIN's success is an empty bare frame"
        s.sendall(kafka_request(3, 1, 2, struct.pack(">i", 0)))  # Metadata v1, no topics: brokers only
        frame = read_frame(s)
        assert frame is not None and struct.unpack(">i", frame[:4]) == (2,)

    with socket.create_connection((b.host, b.port), timeout=10) as s:
        s.sendall(kafka_request(17, 0, 1, struct.pack(">h", len(mechanism)) + mechanism))
        assert read_frame(s) is not None
        token = b"\0alice\0" + WRONG.encode()
        s.sendall(struct.pack(">i", len(token)) + token)
        assert_closed_without_data(s)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_kafka_python_with_sasl(kappa_factory, users_file, certificate, topic, mechanism):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    b = start_secure(kappa_factory, users_file, certificate, "SASL_PLAINTEXT")
    sasl = {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": mechanism,
            "sasl_plain_username": "alice", "sasl_plain_password": USERS["alice"]}
    producer = KafkaProducer(bootstrap_servers=b.bootstrap, **sasl)
    try:
        for i in range(5):
            producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode()).get(timeout=CLIENT_TIMEOUT)
    finally:
        producer.close(timeout=10)
    consumer = KafkaConsumer(bootstrap_servers=b.bootstrap, enable_auto_commit=False,
                             consumer_timeout_ms=5000, **sasl)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        got = []
        deadline = time.monotonic() + CLIENT_TIMEOUT
        while len(got) < 5 and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                got += [(r.key, r.value) for r in records]
        assert got == [(f"k{i}".encode(), f"v{i}".encode()) for i in range(5)]
    finally:
        consumer.close()


def test_users_command_lists_removes_and_the_broker_refuses_an_empty_file(tmp_path, kappa_factory):
    path = tmp_path / "users.toml"
    kappa = str(kappa_bin())
    r = subprocess.run([kappa, "users", "add", "carol", "--users-file", str(path)], input=b"pw-carol\n",
                       capture_output=True, timeout=CLIENT_TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert (path.stat().st_mode & 0o777) == 0o600
    assert "pw-carol" not in path.read_text()
    r = subprocess.run([kappa, "users", "list", "--users-file", str(path)], capture_output=True, timeout=CLIENT_TIMEOUT)
    assert r.stdout.decode().splitlines() == ["carol"]
    r = subprocess.run([kappa, "users", "remove", "nobody", "--users-file", str(path)], capture_output=True,
                       timeout=CLIENT_TIMEOUT)
    assert r.returncode != 0 and b"no user 'nobody'" in r.stderr
    r = subprocess.run([kappa, "users", "remove", "carol", "--users-file", str(path)], capture_output=True,
                       timeout=CLIENT_TIMEOUT)
    assert r.returncode == 0
    r = subprocess.run([kappa, "users", "add", "dave", "--users-file", str(path)], input=b"",
                       capture_output=True, timeout=CLIENT_TIMEOUT)
    assert r.returncode != 0 and b"no password" in r.stderr

    b = kappa_factory(args=["--memory", "--sasl-users", str(path)], wait=False)
    assert b.wait_exit(20) not in (None, 0)
    assert "has no users" in b.stderr_text()


def test_tls_without_sasl(kappa_factory, certificate, topic):
    """--tls-cert alone: clients use security.protocol=SSL and need no credentials."""
    kcat = shutil.which("kcat")
    assert kcat, "kcat is not installed: run scripts/setup.sh"
    cert, key = certificate
    b = kappa_factory(args=["--memory", "--tls-cert", str(cert), "--tls-key", str(key)])
    base = [kcat, "-b", b.bootstrap, "-X", "security.protocol=SSL", "-X", f"ssl.ca.location={cert}"]
    r = subprocess.run([*base, "-t", topic, "-P"], input=b"over tls\n", capture_output=True, timeout=CLIENT_TIMEOUT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    r = subprocess.run([*base, "-t", topic, "-C", "-o", "beginning", "-e", "-q"], capture_output=True,
                       timeout=CLIENT_TIMEOUT)
    assert r.stdout.decode().splitlines() == ["over tls"], r.stderr.decode(errors="replace")
    # A plaintext client gets no answer it can use from a TLS listener.
    r = subprocess.run([kcat, "-b", b.bootstrap, "-L", "-m", "3"], capture_output=True, timeout=CLIENT_TIMEOUT)
    assert r.returncode != 0 and topic not in r.stdout.decode(errors="replace")
