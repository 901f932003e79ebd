"""The headless commands (`kappa topics|produce|consume|groups|export|import`) against a `kappa broker`
process: each test runs once against the fixture's broker and once against a second, separate broker
on another port (which the first must not see), as real processes with piped stdin/stdout/stderr."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import time

import pytest

from e2e import create_topic, kappa_bin, read_all, wait_until
from test_cli_support import kappa, message_tuple, ok, table


class Cluster:
    """Where a test runs its commands (`bootstrap`) and, for the second broker, the other broker that
    must stay untouched (`other`)."""

    def __init__(self, bootstrap: str, other: str | None):
        self.bootstrap = bootstrap
        self.other = other


@pytest.fixture(params=["fixture-broker", "second-broker"])
def cluster(request, broker):
    if request.param == "fixture-broker":
        return Cluster(broker.bootstrap, None)
    second = request.getfixturevalue("kappa_factory")(name="second")
    assert second.port != broker.port
    return Cluster(second.bootstrap, broker.bootstrap)


def describe_lines(bootstrap: str, name: str) -> list[str]:
    return ok(kappa("topics", "describe", name, bootstrap=bootstrap)).lines()


def test_topics_commands(cluster, topic):
    b = cluster.bootstrap
    configured = topic + "-cfg"
    assert ok(kappa("topics", "create", topic, "-p", "2", bootstrap=b)).lines() == [f"Created topic {topic}."]
    ok(kappa("topics", "create", configured, "--partitions", "1", "--replication-factor", "1",
             "--config", "retention.ms=60000", bootstrap=b))

    names = ok(kappa("topics", "list", bootstrap=b)).lines()
    assert topic in names and configured in names, names
    assert all(name and name == name.strip() for name in names), names

    lines = describe_lines(b, topic)
    assert lines[0].startswith(f"Topic: {topic}  PartitionCount: 2  ReplicationFactor: 1"), lines
    assert [line.split()[3] for line in lines[1:]] == ["0", "1"], lines
    assert "Configs: retention.ms=60000" in describe_lines(b, configured)[0]
    everything = ok(kappa("topics", "describe", bootstrap=b)).out
    assert f"Topic: {topic} " in everything and f"Topic: {configured} " in everything

    assert ok(kappa("topics", "alter", topic, "--partitions", "4", bootstrap=b)).lines() == [
        f"Topic {topic} now has 4 partitions."]
    wait_until(lambda: "PartitionCount: 4" in describe_lines(b, topic)[0], 10, 0.2, "4 partitions")

    assert ok(kappa("topics", "delete", configured, bootstrap=b)).lines() == [f"Deleted topic {configured}."]
    wait_until(lambda: configured not in ok(kappa("topics", "list", bootstrap=b)).lines(), 10, 0.2,
               "the deleted topic to leave the list")

    if cluster.other:
        assert topic not in ok(kappa("topics", "list", bootstrap=cluster.other)).lines()


def test_produce_and_consume(cluster, topic):
    b = cluster.bootstrap
    ok(kappa("topics", "create", topic, "-p", "2", bootstrap=b))
    produced = ok(kappa("produce", topic, "-K", ":", "-H", "src=cli", "-H", "empty=",
                        input="k1:v1\nk2:v2\nnokey\nk3:a:b\n", bootstrap=b))
    assert produced.stdout == b""

    expected = sorted([("k1", "v1"), ("k2", "v2"), (None, "nokey"), ("k3", "a:b")], key=str)
    records = ok(kappa("consume", topic, "-e", "--json", bootstrap=b)).json_lines()
    assert sorted(((r["key"], r["value"]) for r in records), key=str) == expected
    now_ms = time.time() * 1000
    for r in records:
        assert r["topic"] == topic and r["partition"] in (0, 1) and isinstance(r["offset"], int)
        assert abs(r["timestamp"] - now_ms) < 120_000, r
        assert r["headers"] == [{"key": "src", "value": "cli"}, {"key": "empty", "value": ""}]
        assert "key_b64" not in r and "value_b64" not in r

    plain = ok(kappa("consume", topic, "-e", bootstrap=b)).lines()
    assert sorted(plain) == sorted(["k1:v1", "k2:v2", "nokey", "k3:a:b"])
    formatted = ok(kappa("consume", topic, "-e", "-f", r"%t|%p|%o|%k|%s|%K|%S|%h\n", bootstrap=b)).lines()
    nokey = next(line for line in formatted if "|nokey|" in line).split("|")
    assert nokey[0] == topic and nokey[3:] == ["", "nokey", "-1", "5", "src=cli,empty="], formatted

    # -p and -v: where each record landed, tab-separated, in order within the partition.
    verbose = ok(kappa("produce", topic, "-p", "1", "-v", input="x\ny\n", bootstrap=b)).lines()
    fields = [line.split("\t") for line in verbose]
    assert [f[:2] for f in fields] == [[topic, "1"], [topic, "1"]], verbose
    assert int(fields[1][2]) == int(fields[0][2]) + 1

    assert ok(kappa("consume", topic, "-p", "1", "-o", "-2", "-e", bootstrap=b)).lines() == ["x", "y"]
    last = int(fields[1][2])
    assert ok(kappa("consume", topic, "-p", "1", "-o", str(last), "-e", bootstrap=b)).lines() == ["y"]
    assert ok(kappa("consume", topic, "-o", "end", "-e", bootstrap=b)).stdout == b""
    # -c stops after that many records without -e.
    assert len(ok(kappa("consume", topic, "-c", "2", bootstrap=b)).lines()) == 2

    # --serializer json writes what put.py's json.dumps writes.
    seeded = topic + "-json"
    ok(kappa("produce", seeded, "-K", ":", "--serializer", "json",
             input="MYID:A20545137\nMYNAME:Deep Pawar\nMYNOTE:ünï \"q\"\n", bootstrap=b))
    wait_until(lambda: seeded in ok(kappa("topics", "list", bootstrap=b)).lines(), 10, 0.2, "auto-created topic")
    keyed = ok(kappa("consume", seeded, "-e", "-f", r"%k=%s\n", bootstrap=b)).lines()
    assert sorted(keyed) == sorted(['"MYID"="A20545137"', '"MYNAME"="Deep Pawar"',
                                    '"MYNOTE"="\\u00fcn\\u00ef \\"q\\""'])

    # -o @TIME: records at or after a timestamp (ms or ISO), read back from an import with known times.
    timed = topic + "-timed"
    lines = [json.dumps({"partition": 0, "timestamp": 1_000_000_000_000 + i * 1000, "key": f"t{i}", "value": str(i)})
             for i in range(5)]
    ok(kappa("import", timed, input="\n".join(lines) + "\n", bootstrap=b))
    assert ok(kappa("consume", timed, "-o", "@1000000002000", "-e", bootstrap=b)).lines() == ["t2:2", "t3:3", "t4:4"]
    assert ok(kappa("consume", timed, "-o", "@2001-09-09T01:46:43Z", "-e", bootstrap=b)).lines() == ["t3:3", "t4:4"]
    assert ok(kappa("consume", timed, "-o", "@2999-01-01T00:00:00Z", "-e", bootstrap=b)).stdout == b""

    if cluster.other:
        assert seeded not in ok(kappa("topics", "list", bootstrap=cluster.other)).lines()


def test_groups_commands(cluster, topic):
    b = cluster.bootstrap
    group = topic + "-g"
    ok(kappa("topics", "create", topic, "-p", "2", bootstrap=b))
    ok(kappa("produce", topic, "-K", ":", input="".join(f"k{i}:v{i}\n" for i in range(6)), bootstrap=b))

    first = ok(kappa("consume", topic, "-G", group, "-c", "4", bootstrap=b)).lines()
    assert len(first) == 4
    assert group in ok(kappa("groups", "list", bootstrap=b)).lines()
    assert f"{group}\tEmpty" in ok(kappa("groups", "list", "--state", bootstrap=b)).lines()

    def offsets():
        described = ok(kappa("groups", "describe", group, bootstrap=b))
        assert described.lines()[0] == f"Consumer group '{group}' has no active members.", described.describe()
        rows = table(described)
        assert {row["GROUP"] for row in rows} == {group} and {row["TOPIC"] for row in rows} == {topic}
        return {int(row["PARTITION"]): (int(row["CURRENT-OFFSET"]), int(row["LOG-END-OFFSET"]), int(row["LAG"]))
                for row in rows}

    before = offsets()
    assert sum(current for current, _, _ in before.values()) == 4
    assert sum(lag for _, _, lag in before.values()) == 2
    ends = {p: end for p, (_, end, _) in before.items()}

    dry = ok(kappa("groups", "reset-offsets", "--group", group, "--topic", topic, "--to-earliest", bootstrap=b))
    assert "dry run" in dry.out and all(row["NEW-OFFSET"] == "0" for row in table(dry))
    assert offsets() == before

    def reset(*spec):
        return table(ok(kappa("groups", "reset-offsets", "--group", group, "--topic", topic, *spec, "--execute",
                              bootstrap=b)))

    reset("--to-earliest")
    assert {p: c for p, (c, _, _) in offsets().items()} == {0: 0, 1: 0}
    reset("--to-latest")
    assert {p: c for p, (c, _, _) in offsets().items()} == ends
    reset("--shift-by", "-1")
    assert {p: c for p, (c, _, _) in offsets().items()} == {p: max(0, e - 1) for p, e in ends.items()}
    reset("--to-offset", "1")
    assert {p: c for p, (c, _, _) in offsets().items()} == {p: min(1, e) for p, e in ends.items()}
    past = ok(kappa("groups", "reset-offsets", "--group", group, "--topic", topic,
                    "--to-datetime", "2000-01-01T00:00:00Z", bootstrap=b))
    assert all(row["NEW-OFFSET"] == "0" for row in table(past))
    reset("--to-datetime", "2999-01-01T00:00:00.000")
    assert {p: c for p, (c, _, _) in offsets().items()} == ends
    reset("--shift-by", "-1")

    rest = ok(kappa("consume", topic, "-G", group, "-e", bootstrap=b)).lines()
    assert len(rest) == sum(1 for e in ends.values() if e > 0)
    assert {p: c for p, (c, _, _) in offsets().items()} == ends
    assert ok(kappa("consume", topic, "-G", group, "-e", bootstrap=b)).stdout == b""  # at the end already

    assert ok(kappa("groups", "delete", group, bootstrap=b)).lines() == [
        f"Deletion of requested consumer groups ('{group}') was successful."]
    assert group not in ok(kappa("groups", "list", bootstrap=b)).lines()
    if cluster.other:
        assert group not in ok(kappa("groups", "list", bootstrap=cluster.other)).lines()


def seed_odd_records(bootstrap: str, topic: str, count: int = 90, partitions: int = 3):
    """Records that are hard to carry: binary, null and empty keys and values, binary, null, empty and
    repeated headers, explicit timestamps out of order, every partition."""
    from confluent_kafka import Producer

    create_topic(bootstrap, topic, partitions)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(count):
        key = [bytes(range(256)), None, b"", f"k{i}".encode(), "ключ✓".encode()][i % 5]
        value = [os.urandom(i % 40), None, b"", f"value {i}\n\t\"quoted\"".encode(), b"\xc3\x28 bad utf-8",
                 json.dumps({"n": i}).encode()][i % 6]
        headers = [[], [("h", b"\xff\x00"), ("h", None), ("txt", b"plain")], [("e", b"")]][i % 3]
        producer.produce(topic, key=key, value=value, headers=headers or None, partition=i % partitions,
                         timestamp=1_600_000_000_000 + ((i * 7919) % count) * 1000)
    assert producer.flush(30) == 0


def test_export_import_round_trip(cluster, topic):
    b = cluster.bootstrap
    copy = topic + "-copy"
    seed_odd_records(b, topic)
    exported = ok(kappa("export", topic, bootstrap=b))
    lines = exported.json_lines()
    assert len(lines) == 90 and {line["topic"] for line in lines} == {topic}
    assert any(line.get("key_b64") for line in lines) and any(line.get("value_b64") for line in lines)
    assert any(line["key"] is None for line in lines) and any(line["value"] is None for line in lines)

    # The copy does not exist yet: import creates it with the partitions the records use.
    assert ok(kappa("import", copy, input=exported.stdout, bootstrap=b)).stdout == b""
    assert "PartitionCount: 3" in describe_lines(b, copy)[0]
    original = sorted(map(message_tuple, read_all(b, topic, 3)))
    assert sorted(map(message_tuple, read_all(b, copy, 3))) == original
    # Exporting the copy gives the same lines but for the topic name.
    again = ok(kappa("export", copy, bootstrap=b)).json_lines()
    strip = lambda rows: sorted(json.dumps({**row, "topic": None}, sort_keys=True) for row in rows)  # noqa: E731
    assert strip(again) == strip(lines)

    if cluster.other:
        # From one cluster to another.
        ok(kappa("import", copy, input=exported.stdout, bootstrap=cluster.other))
        assert sorted(map(message_tuple, read_all(cluster.other, copy, 3))) == original


def test_progress_only_on_a_terminal(broker, topic):
    """Export and import count records on stderr when it is a terminal, and never in piped output."""
    b = broker.bootstrap
    lines = "".join(json.dumps({"partition": i % 2, "key": f"k{i}", "value": "v" * 50}) + "\n" for i in range(3000))
    ok(kappa("import", topic, input=lines, bootstrap=b))  # stderr piped: silent (ok() checks)
    piped = ok(kappa("export", topic, bootstrap=b))
    assert len(piped.lines()) == 3000

    def with_terminal_stderr(*args, input=b""):
        leader, follower = pty.openpty()
        try:
            proc = subprocess.run([str(kappa_bin()), *args, "--bootstrap-server", b], input=input,
                                  stdout=subprocess.PIPE, stderr=follower, timeout=30)
            os.close(follower)
            follower = -1
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return proc, b"".join(chunks).decode(errors="replace")
        finally:
            os.close(leader)
            if follower >= 0:
                os.close(follower)

    proc, terminal = with_terminal_stderr("export", topic)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 3000
    assert b"exported" not in proc.stdout
    assert "exported 3000 of 3000 records" in terminal, terminal
    proc, terminal = with_terminal_stderr("import", topic + "-copy", input=piped.stdout)
    assert proc.returncode == 0 and proc.stdout == b""
    assert "imported 3000 of 3000 records" in terminal, terminal


def test_interrupted_group_consumer_commits_what_it_printed(broker, topic):
    """Ctrl-C (SIGINT) ends `consume -G` cleanly: exit 0, the group left, its offsets committed."""
    import signal

    b = broker.bootstrap
    group = topic + "-g"
    ok(kappa("produce", topic, input="".join(f"v{i}\n" for i in range(5)), bootstrap=b))
    proc = subprocess.Popen([str(kappa_bin()), "consume", topic, "-G", group, "--bootstrap-server", b],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        printed = []
        deadline = time.monotonic() + 20
        while len(printed) < 5 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            printed.append(line)
        assert len(printed) == 5, printed
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
        assert proc.stderr.read() == b""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    rows = table(ok(kappa("groups", "describe", group, bootstrap=b)))
    assert sum(int(row["CURRENT-OFFSET"]) for row in rows) == 5
