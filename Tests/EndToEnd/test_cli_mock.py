"""The headless commands against a Kafka-compatible cluster that is not Kappa: librdkafka's mock cluster,
started by shared/tools/rdkafka_mock.py. It auto-creates topics (4 partitions) on produce and on
metadata requests, answers CreateTopics with an error after a wait for a controller it does not
have, and has no ListGroups/DescribeGroups/DeleteGroups, while group membership, committed offsets
and fetches work."""
from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest

from e2e import SHARED_DIR, VENV_PY, wait_until
from test_cli_support import kappa, ok, one_line_error, table

MOCK_TOOL = SHARED_DIR / "tools" / "rdkafka_mock.py"


@pytest.fixture(scope="module")
def mock():
    if not MOCK_TOOL.exists():
        pytest.skip(f"{MOCK_TOOL} is missing")
    proc = subprocess.Popen([str(VENV_PY), str(MOCK_TOOL), "--max-seconds", "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        bootstrap = None
        deadline = time.monotonic() + 20
        while bootstrap is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("BOOTSTRAP "):
                bootstrap = line.split()[1]
        assert bootstrap, "rdkafka_mock.py printed no BOOTSTRAP line"
        yield bootstrap
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def name():
    return f"cli-mock-{uuid.uuid4().hex[:8]}"


def test_create_topic_fails_in_one_line(mock, name):
    run = kappa("topics", "create", name, "-p", "2", "--timeout", "3", bootstrap=mock)
    one_line_error(run, f"cannot create topic '{name}'")
    assert run.elapsed < 8, run.describe()


def test_topics_produce_consume(mock, name):
    lines = "".join(f"k{i}:v{i}\n" for i in range(8))
    assert ok(kappa("produce", name, "-K", ":", "-H", "via=mock", input=lines, bootstrap=mock)).stdout == b""
    assert name in ok(kappa("topics", "list", bootstrap=mock)).lines()
    described = ok(kappa("topics", "describe", name, bootstrap=mock)).lines()
    assert described[0].startswith(f"Topic: {name}  PartitionCount: 4"), described
    assert len(described) == 5

    assert sorted(ok(kappa("consume", name, "-e", bootstrap=mock)).lines()) == sorted(lines.splitlines())
    records = ok(kappa("consume", name, "-e", "--json", bootstrap=mock)).json_lines()
    assert sorted(r["key"] for r in records) == [f"k{i}" for i in range(8)]
    assert all(r["headers"] == [{"key": "via", "value": "mock"}] for r in records)
    assert len(ok(kappa("consume", name, "-c", "3", bootstrap=mock)).lines()) == 3

    verbose = ok(kappa("produce", name, "-p", "2", "-v", "--serializer", "json", "-K", ":", input="MYID:A1\n",
                       bootstrap=mock)).lines()
    assert len(verbose) == 1 and verbose[0].startswith(f"{name}\t2\t")
    assert ok(kappa("consume", name, "-p", "2", "-o", "-1", "-e", "-f", r"%k=%s\n", bootstrap=mock)).lines() == [
        '"MYID"="A1"']

    exported = ok(kappa("export", name, bootstrap=mock)).json_lines()
    assert len(exported) == 9 and {r["partition"] for r in exported} <= {0, 1, 2, 3}


def test_groups(mock, name):
    group = name + "-g"
    ok(kappa("produce", name, "-K", ":", input="".join(f"k{i}:v{i}\n" for i in range(6)), bootstrap=mock))
    consumed = ok(kappa("consume", name, "-G", group, "-e", bootstrap=mock)).lines()
    assert len(consumed) == 6

    # No DescribeGroups here: committed offsets and lag still show, members are unknown.
    described = ok(kappa("groups", "describe", group, bootstrap=mock))
    assert "members unknown" in described.lines()[0]
    rows = table(described)
    assert sum(int(row["CURRENT-OFFSET"]) for row in rows) == 6
    assert all(row["LAG"] == "0" for row in rows)

    # A group that never had members takes new offsets.
    fresh = name + "-fresh"
    reset = table(ok(kappa("groups", "reset-offsets", "--group", fresh, "--topic", name, "--to-latest", "--execute",
                           bootstrap=mock)))
    assert sum(int(row["NEW-OFFSET"]) for row in reset) == 6
    after = table(ok(kappa("groups", "describe", fresh, bootstrap=mock)))
    assert sum(int(row["CURRENT-OFFSET"]) for row in after) == 6

    # What the mock cannot do fails at once in one line, without the crash librdkafka 2.0 risks there.
    for args in (["groups", "list"], ["groups", "delete", group]):
        run = kappa(*args, bootstrap=mock)
        one_line_error(run, "cannot")
        assert run.elapsed < 5, run.describe()
