"""Group administration: committed offsets and lag, ListGroups/DescribeGroups as confluent-kafka,
kafka-python 3 and kafka-python 2.0.2 (subprocess) see them, and DeleteGroups."""
from __future__ import annotations

import json
import subprocess
import time

import pytest
from confluent_kafka import (Consumer, ConsumerGroupState, ConsumerGroupTopicPartitions, KafkaError,
                             KafkaException, Producer, TopicPartition)
from confluent_kafka.admin import AdminClient

from e2e import VENV_KP2_PY, create_topic

OFFSET_INVALID = -1001  # librdkafka: no committed offset


def produce_counts(bs, topic, counts: dict[int, int]):
    p = Producer({"bootstrap.servers": bs, "linger.ms": 5, "acks": "all"})
    errors = []
    for part, n in counts.items():
        for i in range(n):
            p.produce(topic, key=f"k{part}-{i}".encode(), value=f"p{part}-{i}".encode(), partition=part,
                      on_delivery=lambda err, msg: err and errors.append(err))
    assert p.flush(30) == 0 and not errors, f"produce failed: {errors[:3]}"


def member(bs, group, client_id):
    return Consumer({"bootstrap.servers": bs, "group.id": group, "client.id": client_id,
                     "auto.offset.reset": "earliest", "enable.auto.commit": False,
                     "heartbeat.interval.ms": 500, "session.timeout.ms": 6000})


def parts(c):
    return sorted(tp.partition for tp in c.assignment())


def wait_assigned(consumers, want: list[int], timeout=20.0):
    """Polls the consumers until each owns len(want[i]) partitions; returns their partitions."""
    deadline = time.monotonic() + timeout
    while [len(parts(c)) for c in consumers] != want:
        assert time.monotonic() < deadline, \
            f"assignments {[parts(c) for c in consumers]} after {timeout:.0f} s, want sizes {want}"
        for c in consumers:
            c.poll(0.05)
    return [parts(c) for c in consumers]


def commit(c, topic, offsets: dict[int, int]):
    res = c.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()], asynchronous=False)
    assert all(tp.error is None for tp in res), f"commit errors: {res}"


def group_offsets(admin, group, topic=None, partitions=None):
    req = ConsumerGroupTopicPartitions(
        group, None if partitions is None else [TopicPartition(topic, p) for p in partitions])
    res = admin.list_consumer_group_offsets([req], request_timeout=15)[group].result(timeout=20)
    assert res.group_id == group
    for tp in res.topic_partitions:
        assert tp.error is None, f"{tp}"
    return {(tp.topic, tp.partition): tp.offset for tp in res.topic_partitions}


def listed(admin, group):
    res = admin.list_consumer_groups(request_timeout=15).result(timeout=20)
    assert not res.errors, f"list_consumer_groups errors: {res.errors}"
    return {g.group_id: g for g in res.valid}.get(group)


def describe(admin, group):
    return admin.describe_consumer_groups([group], request_timeout=15)[group].result(timeout=20)


KP2_ADMIN = r"""
import json, sys
from kafka.admin import KafkaAdminClient
bootstrap, group = sys.argv[1:3]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
try:
    out = {"list": [list(g) for g in admin.list_consumer_groups()]}
    described = []
    for g in admin.describe_consumer_groups([group]):
        members = []
        for m in g.members:
            a = m.member_assignment
            members.append({"member_id": m.member_id, "client_id": m.client_id, "client_host": m.client_host,
                            "topics": list(m.member_metadata.subscription) if m.member_metadata else None,
                            "assignment": [[t, sorted(ps)] for t, ps in a.assignment] if a else None})
        described.append({"error_code": g.error_code, "group": g.group, "state": g.state,
                          "protocol_type": g.protocol_type, "protocol": g.protocol, "members": members})
    out["describe"] = described
    out["offsets"] = [[tp.topic, tp.partition, om.offset]
                      for tp, om in admin.list_consumer_group_offsets(group).items()]
finally:
    admin.close()
print(json.dumps(out))
"""


def kp2_admin(bs, group, tmp_path):
    script = tmp_path / "kp2_admin.py"
    script.write_text(KP2_ADMIN)
    r = subprocess.run([str(VENV_KP2_PY), str(script), bs, group], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, f"kafka-python 2.0.2 admin script failed:\n{r.stderr[-3000:]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------------
# 4. Lag, ListGroups, DescribeGroups

def test_lag_and_group_descriptions_across_clients(broker, topic, tmp_path):
    from kafka.admin import KafkaAdminClient
    from kafka import TopicPartition as KTP

    bs = broker.bootstrap
    group = f"lag-{topic}"
    produced, committed = {0: 30, 1: 20}, {0: 12, 1: 5}
    admin = create_topic(bs, topic, 2)
    produce_counts(bs, topic, produced)

    m1, m2 = member(bs, group, "lag-member-1"), member(bs, group, "lag-member-2")
    kp3 = KafkaAdminClient(bootstrap_servers=bs, request_timeout_ms=15000)
    try:
        m1.subscribe([topic])
        m2.subscribe([topic])
        p1, p2 = wait_assigned([m1, m2], [1, 1])
        assert sorted(p1 + p2) == [0, 1]
        owner = {p1[0]: m1, p2[0]: m2}
        for p, off in committed.items():
            commit(owner[p], topic, {p: off})

        # Committed offsets and watermarks: lag = end - committed.
        assert group_offsets(admin, group) == {(topic, p): o for p, o in committed.items()}
        assert group_offsets(admin, group, topic, [0, 1]) == {(topic, p): o for p, o in committed.items()}
        lag = {}
        for p, off in group_offsets(admin, group, topic, [0, 1]).items():
            low, high = m1.get_watermark_offsets(TopicPartition(topic, p[1]), timeout=10)
            assert (low, high) == (0, produced[p[1]])
            lag[p[1]] = high - off
        assert lag == {p: produced[p] - committed[p] for p in produced}

        ids = {m1.memberid(): ("lag-member-1", p1), m2.memberid(): ("lag-member-2", p2)}
        assert all(ids), "a member has no member id"

        # confluent-kafka
        g = listed(admin, group)
        assert g is not None, f"list_consumer_groups does not show {group}"
        assert g.state == ConsumerGroupState.STABLE
        assert not g.is_simple_consumer_group
        d = describe(admin, group)
        assert d.state == ConsumerGroupState.STABLE
        assert d.partition_assignor == "range"
        assert not d.is_simple_consumer_group
        assert {m.member_id: (m.client_id, sorted(tp.partition for tp in m.assignment.topic_partitions))
                for m in d.members} == ids
        for m in d.members:
            assert m.host.lstrip("/") == "127.0.0.1", f"member host {m.host!r}"
            assert {tp.topic for tp in m.assignment.topic_partitions} == {topic}

        # kafka-python 3 (list_groups / describe_groups / list_group_offsets)
        listing = {x["group_id"]: x for x in kp3.list_groups()}
        assert group in listing, f"kafka-python 3 list_groups: {sorted(listing)}"
        assert (listing[group]["protocol_type"], listing[group]["group_state"]) == ("consumer", "Stable")
        d3 = kp3.describe_groups([group])[group]
        assert d3["error"] is None
        assert (d3["group_state"], d3["protocol_type"], d3["protocol_data"]) == ("Stable", "consumer", "range")
        seen = {}
        for m in d3["members"]:
            assert m["client_host"] == "/127.0.0.1", f"client_host {m['client_host']!r}"
            assignment = m["member_assignment"]  # decoded ConsumerProtocolAssignment, as a dict
            assert isinstance(assignment, dict), f"undecodable member_assignment {assignment!r}"
            seen[m["member_id"]] = (m["client_id"], sorted(
                p for t in assignment["assigned_partitions"] if t["topic"] == topic for p in t["partitions"]))
            assert m["member_metadata"]["topics"] == [topic], f"member_metadata {m['member_metadata']!r}"
        assert seen == ids
        offsets3 = kp3.list_group_offsets(group)[group]
        assert {tp.partition: om.offset for tp, om in offsets3.items()} == committed
        assert kp3.list_group_offsets({group: [KTP(topic, 0)]})[group][KTP(topic, 0)].offset == committed[0]

        # kafka-python 2.0.2
        out = kp2_admin(bs, group, tmp_path)
        assert [group, "consumer"] in out["list"], f"kafka-python 2.0.2 list_consumer_groups: {out['list']}"
        assert len(out["describe"]) == 1
        d2 = out["describe"][0]
        assert (d2["error_code"], d2["group"], d2["state"], d2["protocol_type"], d2["protocol"]) == \
            (0, group, "Stable", "consumer", "range")
        assert {m["member_id"]: (m["client_id"], [p for t, ps in m["assignment"] if t == topic for p in ps])
                for m in d2["members"]} == ids
        for m in d2["members"]:
            assert m["client_host"] == "/127.0.0.1"
            assert m["topics"] == [topic]
        assert sorted(out["offsets"]) == [[topic, p, o] for p, o in sorted(committed.items())]
    finally:
        kp3.close()
        m1.close()
        m2.close()

    # Both members left: the group is Empty and keeps its offsets.
    d = describe(admin, group)
    assert d.state == ConsumerGroupState.EMPTY and list(d.members) == []
    assert listed(admin, group).state == ConsumerGroupState.EMPTY
    assert group_offsets(admin, group) == {(topic, p): o for p, o in committed.items()}


# ------------------------------------------------------------------------------------------------
# 6. DeleteGroups

def test_delete_groups_empty_succeeds_non_empty_fails(kappa_factory, topic):
    from kafka.admin import KafkaAdminClient

    broker = kappa_factory()
    bs = broker.bootstrap
    admin = create_topic(bs, topic, 2)
    produce_counts(bs, topic, {0: 10, 1: 10})
    empty, busy, empty3 = f"empty-{topic}", f"busy-{topic}", f"empty3-{topic}"

    # Two groups with committed offsets and no members (their consumers closed) ...
    for group in (empty, empty3):
        c = member(bs, group, "committer")
        try:
            c.subscribe([topic])
            wait_assigned([c], [2])
            commit(c, topic, {0: 7, 1: 3})
        finally:
            c.close()
    # ... and one with an active member.
    active = member(bs, busy, "busy-member")
    try:
        active.subscribe([topic])
        wait_assigned([active], [2])
        commit(active, topic, {0: 4, 1: 4})

        with pytest.raises(KafkaException) as info:
            admin.delete_consumer_groups([busy], request_timeout=15)[busy].result(timeout=20)
        assert info.value.args[0].code() == KafkaError.NON_EMPTY_GROUP, f"{info.value}"
        d = describe(admin, busy)
        assert d.state == ConsumerGroupState.STABLE and len(d.members) == 1
        assert group_offsets(admin, busy) == {(topic, 0): 4, (topic, 1): 4}

        assert describe(admin, empty).state == ConsumerGroupState.EMPTY
        assert admin.delete_consumer_groups([empty], request_timeout=15)[empty].result(timeout=20) is None
        assert listed(admin, empty) is None, "a deleted group is still listed"
        assert group_offsets(admin, empty, topic, [0, 1]) == {(topic, 0): OFFSET_INVALID,
                                                              (topic, 1): OFFSET_INVALID}

        kp3 = KafkaAdminClient(bootstrap_servers=bs, request_timeout_ms=15000)
        try:
            assert kp3.delete_groups([empty3, busy]) == {empty3: "OK", busy: "NonEmptyGroupError"}
            assert kp3.delete_groups([f"never-{topic}"]) == {f"never-{topic}": "GroupIdNotFoundError"}
        finally:
            kp3.close()
        assert listed(admin, empty3) is None

        with pytest.raises(KafkaException) as info:
            admin.delete_consumer_groups([f"never-{topic}"], request_timeout=15)[f"never-{topic}"].result(timeout=20)
        assert info.value.args[0].code() == KafkaError.GROUP_ID_NOT_FOUND, f"{info.value}"
    finally:
        active.close()

    # The deletion is durable, the other group's offsets too; a new member of the deleted group
    # starts from the beginning (auto.offset.reset=earliest), not at the old offsets.
    broker.restart()
    admin = AdminClient({"bootstrap.servers": bs})
    assert listed(admin, empty) is None and listed(admin, empty3) is None
    assert group_offsets(admin, empty, topic, [0, 1]) == {(topic, 0): OFFSET_INVALID, (topic, 1): OFFSET_INVALID}
    assert group_offsets(admin, busy) == {(topic, 0): 4, (topic, 1): 4}
    c = member(bs, empty, "after-delete")
    got = set()
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + 20
        while len(got) < 20:
            assert time.monotonic() < deadline, f"re-created group read {len(got)} of 20 records"
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.add((m.partition(), m.offset()))
    finally:
        c.close()
    assert got == {(p, o) for p in (0, 1) for o in range(10)}
