"""Group consumers of other clients: kcat's balanced consumer (-G), aiokafka, kafka-python 3 (in
this process) and kafka-python 2.0.2 (.venv-kp2, in a subprocess). Each reads a topic to its end in
a group, commits, and the group's next run starts at the committed offsets."""
from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from e2e import VENV_KP2_PY, create_topic, produce

PARTITIONS = 3


def make_records(n, tag):
    return [{"key": f"{tag}-k{i}".encode(), "value": f"{tag}-value-{i}".encode()} for i in range(n)]


def produce_and_map(bs, topic, records):
    """Produces records; returns {(partition, offset): (key, value)} and {partition: end offset}."""
    reports = produce(bs, topic, records)
    placed = {}
    for r, (err, part, off) in zip(records, reports):
        assert err is None, f"delivery error: {err}"
        placed[(part, off)] = (r["key"], r["value"])
    ends = {p: 0 for p in range(PARTITIONS)}
    for part, off in placed:
        ends[part] = max(ends[part], off + 1)
    return placed, ends


def committed(bs, topic, group):
    """The group's committed offsets via confluent-kafka (OffsetFetch): {partition: offset}."""
    c = Consumer({"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": False})
    try:
        res = c.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=15)
    finally:
        c.close()
    assert all(tp.error is None for tp in res), f"committed() errors: {res}"
    return {tp.partition: tp.offset for tp in res}


# ------------------------------------------------------------------------------------------------
# 3. kcat -G and aiokafka

@pytest.fixture(scope="module")
def kcat():
    path = shutil.which("kcat") or shutil.which("kafkacat")
    assert path, "kcat is not installed"
    return path


def kcat_group_read(kcat, bs, group, topic, *extra):
    args = [kcat, "-b", bs, "-G", group, "-e", "-q", "-f", "%k=%s\\n",
            "-X", "auto.offset.reset=earliest", *extra, topic]
    try:
        r = subprocess.run(args, capture_output=True, timeout=40)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"kcat -G did not reach the end within 40 s; output so far:\n"
                    f"{(e.stdout or b'')[-1000:]!r}\n{(e.stderr or b'')[-3000:]!r}")
    assert r.returncode == 0, f"kcat exited {r.returncode}:\n{r.stderr.decode(errors='replace')[-3000:]}"
    return r.stdout.decode().splitlines()


def test_kcat_balanced_consumer_reads_to_end_then_resumes(kcat, broker, topic):
    bs = broker.bootstrap
    group = f"kcat-{topic}"
    create_topic(bs, topic, PARTITIONS)
    first, ends = produce_and_map(bs, topic, make_records(60, "a"))
    lines = kcat_group_read(kcat, bs, group, topic, "-o", "beginning")
    assert sorted(lines) == sorted(f"{k.decode()}={v.decode()}" for k, v in first.values())
    # kcat commits what it consumed when it closes: the group is at the end of every partition.
    assert committed(bs, topic, group) == ends

    second, ends = produce_and_map(bs, topic, make_records(15, "b"))
    lines = kcat_group_read(kcat, bs, group, topic)  # no -o: start at the committed offsets
    assert sorted(lines) == sorted(f"{k.decode()}={v.decode()}" for k, v in second.values()), \
        "a second kcat run in the group must read exactly the records produced since the first"
    assert committed(bs, topic, group) == ends


def test_aiokafka_group_consumer_reads_to_end_and_commits(broker, topic):
    from aiokafka import AIOKafkaConsumer
    from aiokafka.structs import TopicPartition as ATP

    bs = broker.bootstrap
    group = f"aio-{topic}"
    create_topic(bs, topic, PARTITIONS)
    placed, ends = produce_and_map(bs, topic, make_records(80, "aio"))
    tps = [ATP(topic, p) for p in range(PARTITIONS)]

    async def first_run():
        c = AIOKafkaConsumer(topic, bootstrap_servers=bs, group_id=group, client_id="aio-member",
                             auto_offset_reset="earliest", enable_auto_commit=False)
        await asyncio.wait_for(c.start(), 20)
        got = {}
        try:
            deadline = time.monotonic() + 30
            while len(got) < len(placed):
                assert time.monotonic() < deadline, f"aiokafka read {len(got)} of {len(placed)}"
                batches = await asyncio.wait_for(c.getmany(timeout_ms=500), 10)
                for recs in batches.values():
                    for r in recs:
                        assert (r.partition, r.offset) not in got, "record delivered twice"
                        got[(r.partition, r.offset)] = (r.key, r.value)
            assert c.assignment() == set(tps)
            await asyncio.wait_for(c.commit(), 15)
            return got, {tp.partition: await asyncio.wait_for(c.committed(tp), 15) for tp in tps}
        finally:
            await asyncio.wait_for(c.stop(), 15)

    async def second_run():
        c = AIOKafkaConsumer(topic, bootstrap_servers=bs, group_id=group, client_id="aio-member-2",
                             auto_offset_reset="earliest", enable_auto_commit=False)
        await asyncio.wait_for(c.start(), 20)
        got = []
        try:
            deadline = time.monotonic() + 20
            while c.assignment() != set(tps):
                assert time.monotonic() < deadline, f"second aiokafka member: {c.assignment()}"
                for recs in (await asyncio.wait_for(c.getmany(timeout_ms=200), 10)).values():
                    got.extend(recs)
            positions = {tp.partition: await asyncio.wait_for(c.position(tp), 15) for tp in tps}
            end = time.monotonic() + 1.5
            while time.monotonic() < end:
                for recs in (await asyncio.wait_for(c.getmany(timeout_ms=200), 10)).values():
                    got.extend(recs)
            return positions, [(r.partition, r.offset) for r in got]
        finally:
            await asyncio.wait_for(c.stop(), 15)

    got, commits = asyncio.run(first_run())
    assert got == placed
    assert commits == ends
    assert committed(bs, topic, group) == ends
    positions, again = asyncio.run(second_run())
    assert again == [], f"the group's second member got committed records again: {again[:5]}"
    assert positions == ends


# ------------------------------------------------------------------------------------------------
# 5. kafka-python 3 and 2.0.2 group consumers: read all, commit, second run gets nothing

def test_kafka_python3_group_consumer_commits_and_second_run_gets_nothing(broker, topic):
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTP

    bs = broker.bootstrap
    group = f"kp3-{topic}"
    create_topic(bs, topic, PARTITIONS)
    placed, ends = produce_and_map(bs, topic, make_records(90, "kp3"))
    tps = {KTP(topic, p) for p in range(PARTITIONS)}

    def consumer(client_id):
        return KafkaConsumer(topic, bootstrap_servers=bs, group_id=group, client_id=client_id,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             request_timeout_ms=15000, heartbeat_interval_ms=1000)

    c = consumer("kp3-run-1")
    got = {}
    try:
        deadline = time.monotonic() + 30
        while len(got) < len(placed):
            assert time.monotonic() < deadline, f"kafka-python 3 read {len(got)} of {len(placed)}"
            for recs in c.poll(timeout_ms=500).values():
                for r in recs:
                    assert (r.partition, r.offset) not in got, "record delivered twice"
                    got[(r.partition, r.offset)] = (r.key, r.value)
        assert c.assignment() == tps
        c.commit()
        assert {tp.partition: c.committed(tp) for tp in tps} == ends
    finally:
        c.close()
    assert got == placed
    assert committed(bs, topic, group) == ends

    c = consumer("kp3-run-2")
    again = []
    try:
        deadline = time.monotonic() + 20
        while c.assignment() != tps:
            assert time.monotonic() < deadline, f"second run: assignment {c.assignment()}"
            for recs in c.poll(timeout_ms=200).values():
                again.extend(recs)
        positions = {tp.partition: c.position(tp, timeout_ms=10000) for tp in tps}
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            for recs in c.poll(timeout_ms=200).values():
                again.extend(recs)
    finally:
        c.close()
    assert [(r.partition, r.offset) for r in again] == [], "second run got committed records again"
    assert positions == ends, "second run does not start at the committed offsets"


KP2_GROUP_READ = r"""
import json, sys, time
from kafka import KafkaConsumer, TopicPartition
bootstrap, topic, group, client_id, want, partitions = sys.argv[1:7]
want, partitions = int(want), int(partitions)
tps = {TopicPartition(topic, p) for p in range(partitions)}
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id=client_id,
                  auto_offset_reset="earliest", enable_auto_commit=False,
                  request_timeout_ms=15000, heartbeat_interval_ms=1000)
out = {"records": [], "error": None}
try:
    deadline = time.monotonic() + 30
    while len(out["records"]) < want or c.assignment() != tps:
        if time.monotonic() > deadline:
            out["error"] = "read %d of %d, assignment %s" % (len(out["records"]), want,
                                                          sorted(tp.partition for tp in c.assignment()))
            break
        for recs in c.poll(timeout_ms=200).values():
            out["records"] += [[r.partition, r.offset, r.key.decode(), r.value.decode()] for r in recs]
    if out["error"] is None:
        if want == 0:
            out["positions"] = {tp.partition: c.position(tp) for tp in tps}
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            for recs in c.poll(timeout_ms=200).values():
                out["records"] += [[r.partition, r.offset, r.key.decode(), r.value.decode()] for r in recs]
        c.commit()
        out["committed"] = {tp.partition: c.committed(tp) for tp in tps}
finally:
    c.close()
print(json.dumps(out))
"""


def test_kafka_python2_group_consumer_commits_and_second_run_gets_nothing(broker, topic, tmp_path):
    bs = broker.bootstrap
    group = f"kp2-{topic}"
    create_topic(bs, topic, PARTITIONS)
    placed, ends = produce_and_map(bs, topic, make_records(75, "kp2"))
    script = tmp_path / "kp2_group_read.py"
    script.write_text(KP2_GROUP_READ)

    def run(client_id, want):
        r = subprocess.run([str(VENV_KP2_PY), str(script), bs, topic, group, client_id, str(want),
                            str(PARTITIONS)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"kafka-python 2.0.2 script failed:\n{r.stderr[-3000:]}"
        out = json.loads(r.stdout.strip().splitlines()[-1])
        assert out["error"] is None, f"kafka-python 2.0.2 {client_id}: {out['error']}"
        return out

    first = run("kp2-run-1", len(placed))
    got = {(p, o): (k.encode(), v.encode()) for p, o, k, v in first["records"]}
    assert len(got) == len(first["records"]), "kafka-python 2.0.2 got a record twice"
    assert got == placed
    assert {int(p): o for p, o in first["committed"].items()} == ends
    assert committed(bs, topic, group) == ends

    second = run("kp2-run-2", 0)
    assert second["records"] == [], "second run got committed records again"
    assert {int(p): o for p, o in second["positions"].items()} == ends, \
        "second run does not start at the committed offsets"
    assert committed(bs, topic, group) == ends
