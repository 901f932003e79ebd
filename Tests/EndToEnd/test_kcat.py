"""kcat (Debian's, on librdkafka 2.0.2): metadata, keyed produce/consume, every compression codec."""
import json
import re
import shutil
import subprocess

import pytest

from e2e import create_topic

KCAT_TIMEOUT = 30


@pytest.fixture(scope="module")
def kcat():
    path = shutil.which("kcat") or shutil.which("kafkacat")
    assert path, "kcat is not installed: run scripts/setup.sh"
    return path


def run_kcat(kcat, args, stdin=None):
    r = subprocess.run([kcat, *args], input=stdin, capture_output=True, timeout=KCAT_TIMEOUT)
    assert r.returncode == 0, (f"kcat {' '.join(args)} exited {r.returncode}:\n"
                               f"{r.stderr.decode(errors='replace')[-4000:]}")
    return r


def consume_lines(kcat, bootstrap, topic):
    r = run_kcat(kcat, ["-b", bootstrap, "-t", topic, "-C", "-o", "beginning", "-e", "-q",
                        "-f", r"%k=%s\n"])
    return r.stdout.decode().splitlines()


def test_metadata_lists_broker_and_topic(kcat, broker, topic):
    create_topic(broker.bootstrap, topic, partitions=2)
    md = json.loads(run_kcat(kcat, ["-b", broker.bootstrap, "-L", "-J"]).stdout)
    names = [b["name"] for b in md["brokers"]]
    assert names == [broker.bootstrap], f"brokers in metadata: {md['brokers']}"
    broker_id = md["brokers"][0]["id"]

    md = json.loads(run_kcat(kcat, ["-b", broker.bootstrap, "-L", "-J", "-t", topic]).stdout)
    [t] = [t for t in md["topics"] if t["topic"] == topic]
    assert "error" not in t, t
    assert sorted(p["partition"] for p in t["partitions"]) == [0, 1]
    for p in t["partitions"]:
        assert p["leader"] == broker_id, p
        assert "error" not in p, p


def test_keyed_produce_then_consume(kcat, broker, topic):
    create_topic(broker.bootstrap, topic)
    lines = [f"key-{i}:value {i}: with a colon, ünïcödé and spaces" for i in range(100)]
    lines += ["emptyvalue:", "k:" + "x" * 5000]
    run_kcat(kcat, ["-b", broker.bootstrap, "-t", topic, "-P", "-K:"],
             stdin=("\n".join(lines) + "\n").encode())
    got = consume_lines(kcat, broker.bootstrap, topic)
    # kcat splits each line at the first ':'; the consumer prints key=value
    assert got == [line.replace(":", "=", 1) for line in lines]


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compressed_produce_reads_back(kcat, broker, topic, codec):
    create_topic(broker.bootstrap, topic)
    # compressible values, so librdkafka keeps the compressed batch
    lines = [f"k{i}:{codec} record {i} " + "lorem ipsum dolor sit amet " * 8 for i in range(500)]
    r = run_kcat(kcat, ["-b", broker.bootstrap, "-t", topic, "-P", "-K:", "-z", codec,
                        "-X", "debug=msg"], stdin=("\n".join(lines) + "\n").encode())
    log = r.stderr.decode(errors="replace")
    # librdkafka silently sends uncompressed batches when the broker's ApiVersions make it think
    # the codec is unsupported; its msg debug log names the codec of every produced MessageSet.
    assert "not compressing" not in log, log[-3000:]
    sets = re.findall(r"Produce MessageSet with (\d+) message\(s\) \([^)]*?, (\w+)\)", log)
    assert sets, f"no Produce MessageSet lines in kcat's debug log:\n{log[-3000:]}"
    assert {c for _, c in sets} == {codec}, sets
    assert sum(int(n) for n, _ in sets) >= len(lines)  # retries may resend a set

    got = consume_lines(kcat, broker.bootstrap, topic)
    assert got == [line.replace(":", "=", 1) for line in lines]
