"""Transactions with real clients: confluent-kafka (librdkafka), kafka-python 3.x and aiokafka.

For each library:
- commit and abort: read_committed sees exactly the committed records (offsets included: every
  transaction leaves one control record per partition), read_uncommitted sees all of them, and an
  open transaction holds the last stable offset back at its first record;
- consume-transform-produce: a group consumer (read_committed) and a transactional producer move
  N records to an output topic with send_offsets_to_transaction, one transaction deliberately
  aborted and the consumer rewound; the output read with read_committed holds each input record
  exactly once, in input order, and the group's committed offsets are the input's end offsets;
- fencing: a second producer with the same transactional.id fences the first (its next operation
  raises a fatal / fenced error, its write is not stored) and aborts the first one's open
  transaction.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from e2e import create_topic, produce
from txn_support import (end_offsets, group_offsets, last_stable_offsets, read_committed, read_uncommitted,
                         transform, txn_producer_conf, values)

PARTITIONS = 2
CTP_PARTITIONS = 3
CTP_RECORDS = 300
FENCED_CODES = {KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH}


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def by_partition(msgs) -> dict[int, list[tuple[int, str]]]:
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for m in msgs:
        out[m.partition()].append((m.offset(), m.value().decode()))
    return dict(out)


class Layout:
    """What a sequence of transactions leaves in a topic of PARTITIONS partitions, record i of a
    transaction going to partition i % PARTITIONS: the offset of every record, one control record
    per partition per transaction."""

    def __init__(self):
        self.next = {p: 0 for p in range(PARTITIONS)}
        self.committed: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.all: dict[int, list[tuple[int, str]]] = defaultdict(list)

    def add(self, prefix: str, n: int, committed: bool) -> list[str]:
        vals = [f"{prefix}-{i}" for i in range(n)]
        self.placed = []  # (partition, offset) of each of vals
        for i, v in enumerate(vals):
            p = i % PARTITIONS
            self.placed.append((p, self.next[p]))
            self.all[p].append((self.next[p], v))
            if committed:
                self.committed[p].append((self.next[p], v))
            self.next[p] += 1
        for p in range(PARTITIONS):
            if n > p:
                self.next[p] += 1  # the commit or abort marker
        return vals


def check_layout(bootstrap: str, topic: str, layout: Layout):
    rc = by_partition(read_committed(bootstrap, topic, PARTITIONS))
    ru = by_partition(read_uncommitted(bootstrap, topic, PARTITIONS))
    assert rc == dict(layout.committed), "read_committed: not exactly the committed records at their offsets"
    assert ru == dict(layout.all), "read_uncommitted: not exactly all records at their offsets"
    assert end_offsets(bootstrap, topic, PARTITIONS) == layout.next, "high watermarks (markers counted)"
    assert last_stable_offsets(bootstrap, topic, PARTITIONS) == layout.next, "LSO with no open transaction"


def check_open_transaction(bootstrap: str, topic: str, layout: Layout, open_first: dict[int, int]):
    """While a transaction is open (its records flushed), read_committed stops before it."""
    assert last_stable_offsets(bootstrap, topic, PARTITIONS) == open_first, "LSO not at the open transaction"
    rc = by_partition(read_committed(bootstrap, topic, PARTITIONS))
    assert rc == dict(layout.committed), "read_committed sees records of an open transaction"


# ----------------------------------------------------------------------------------------------
# confluent-kafka

def test_confluent_commit_and_abort_visibility(broker, topic):
    create_topic(broker.bootstrap, topic, PARTITIONS)
    p = Producer(txn_producer_conf(broker.bootstrap, uid("txn")))
    p.init_transactions(30)
    layout = Layout()

    def txn(prefix, n, commit, check_open=False):
        first = dict(layout.next)
        vals = layout.add(prefix, n, commit)
        p.begin_transaction()
        placed = [None] * n
        for i, v in enumerate(vals):
            p.produce(topic, value=v.encode(), partition=i % PARTITIONS,
                      on_delivery=lambda err, msg, i=i: placed.__setitem__(i, (err, msg.partition(), msg.offset())))
        assert p.flush(30) == 0
        assert placed == [(None, pp, o) for pp, o in layout.placed], f"transaction {prefix}: delivery reports"
        if check_open:
            check_open_transaction(broker.bootstrap, topic, _without(layout, vals), first)
        if commit:
            p.commit_transaction(30)
        else:
            p.abort_transaction(30)

    txn("a", 10, True)
    txn("b", 7, False, check_open=True)
    txn("c", 5, True, check_open=True)
    txn("d", 1, False)
    check_layout(broker.bootstrap, topic, layout)


def _without(layout: Layout, vals: list[str]) -> Layout:
    """layout as read_committed sees it while the transaction of vals is still open."""
    other = Layout()
    other.next = dict(layout.next)
    other.committed = defaultdict(list, {p: [e for e in es if e[1] not in vals] for p, es in layout.committed.items()})
    other.all = layout.all
    return other


def test_confluent_consume_transform_produce_exactly_once(broker, topic):
    src, dst, group = f"{topic}-in", f"{topic}-out", uid("ctp")
    create_topic(broker.bootstrap, src, CTP_PARTITIONS)
    create_topic(broker.bootstrap, dst, CTP_PARTITIONS)
    # The input itself is transactional with an aborted transaction in the middle: the loop's
    # read_committed consumer must never see those records.
    feeder = Producer(txn_producer_conf(broker.bootstrap, uid("feeder")))
    feeder.init_transactions(30)
    expected: dict[int, list[str]] = defaultdict(list)
    n = 0
    for chunk, commit in ((CTP_RECORDS // 2, True), (40, False), (CTP_RECORDS - CTP_RECORDS // 2, True)):
        feeder.begin_transaction()
        for _ in range(chunk):
            v = f"in-{n}" if commit else f"junk-{n}"
            feeder.produce(src, value=v.encode(), partition=n % CTP_PARTITIONS)
            n += 1
        assert feeder.flush(30) == 0
        (feeder.commit_transaction if commit else feeder.abort_transaction)(30)
    inputs = read_committed(broker.bootstrap, src, CTP_PARTITIONS)
    assert sorted(values(inputs)) == sorted(f"in-{i}" for i in range(n) if not CTP_RECORDS // 2 <= i < CTP_RECORDS // 2 + 40)
    for m in inputs:
        expected[m.partition()].append(transform(m.partition(), m.offset(), m.value()).decode())
    ends = end_offsets(broker.bootstrap, src, CTP_PARTITIONS)

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "isolation.level": "read_committed",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    producer = Producer(txn_producer_conf(broker.bootstrap, uid("ctp-txn")))
    producer.init_transactions(30)
    consumer.subscribe([src])
    aborted_once = False
    moved = offsets_only = 0
    deadline = time.monotonic() + 60
    try:
        while True:
            assert time.monotonic() < deadline, f"moved {moved} of {len(inputs)} records in 60 s"
            msgs = [m for m in consumer.consume(num_messages=25, timeout=0.5) if not m.error()]
            positions = [tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
            if not msgs:
                got = {tp.partition: tp.offset for tp in consumer.committed(
                    [TopicPartition(src, p) for p in range(CTP_PARTITIONS)], timeout=10)}
                if got == ends:
                    break
                # The consumer's position moves past the commit marker that ends the input without
                # a record to process: commit it in a transaction of offsets only.
                if not any(tp.offset > got.get(tp.partition, -1) for tp in positions):
                    continue
                offsets_only += 1
            assert not any(m.value().startswith(b"junk") for m in msgs), "read_committed consumer saw an aborted record"
            producer.begin_transaction()
            for m in msgs:
                producer.produce(dst, value=transform(m.partition(), m.offset(), m.value()), partition=m.partition())
            producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
            if not aborted_once:
                # Abort this one: its records are not visible and its offsets are not committed.
                assert producer.flush(30) == 0
                producer.abort_transaction(30)
                aborted_once = True
                aborted_count = len(msgs)
                committed = consumer.committed([TopicPartition(src, p) for p in range(CTP_PARTITIONS)], timeout=10)
                assert all(tp.offset < 0 for tp in committed), f"aborted offsets committed: {committed}"
                for tp in committed:
                    consumer.seek(TopicPartition(src, tp.partition, 0))
                continue
            producer.commit_transaction(30)
            moved += len(msgs)
    finally:
        consumer.close()

    out = read_committed(broker.bootstrap, dst, CTP_PARTITIONS)
    got = defaultdict(list)
    for m in out:
        got[m.partition()].append(m.value().decode())
    assert dict(got) == dict(expected), "output (read_committed) is not each input record exactly once, in order"
    assert moved == len(inputs)
    assert len(read_uncommitted(broker.bootstrap, dst, CTP_PARTITIONS)) == len(inputs) + aborted_count
    assert group_offsets(broker.bootstrap, group, src, CTP_PARTITIONS) == ends
    print(f"moved {moved} records; {offsets_only} transactions of offsets only (past the input's last marker)")


def test_confluent_second_producer_fences_the_first(broker, topic):
    create_topic(broker.bootstrap, topic, PARTITIONS)
    txn_id = uid("fence")
    p1 = Producer(txn_producer_conf(broker.bootstrap, txn_id))
    p1.init_transactions(30)
    p1.begin_transaction()
    for i in range(4):
        p1.produce(topic, value=f"p1-open-{i}".encode(), partition=i % PARTITIONS)
    assert p1.flush(30) == 0

    p2 = Producer(txn_producer_conf(broker.bootstrap, txn_id))
    p2.init_transactions(30)  # bumps the epoch and aborts p1's open transaction

    reports = []
    p1.produce(topic, value=b"p1-after", partition=0, on_delivery=lambda err, msg: reports.append(err))
    with pytest.raises(KafkaException) as e:
        p1.commit_transaction(30)
    err = e.value.args[0]
    assert err.fatal() and err.code() in FENCED_CODES, f"fenced producer's commit: {err!r}"
    p1.flush(10)
    assert reports and reports[0] is not None, f"the fenced producer's record was acknowledged: {reports}"
    with pytest.raises(KafkaException) as e:
        p1.commit_transaction(10)  # the same call again (librdkafka refuses any other one meanwhile)
    assert e.value.args[0].fatal() and e.value.args[0].code() in FENCED_CODES, "a fenced producer stays fenced"

    p2.begin_transaction()
    for i in range(3):
        p2.produce(topic, value=f"p2-{i}".encode(), partition=i % PARTITIONS)
    p2.commit_transaction(30)

    assert sorted(values(read_committed(broker.bootstrap, topic, PARTITIONS))) == ["p2-0", "p2-1", "p2-2"]
    assert sorted(values(read_uncommitted(broker.bootstrap, topic, PARTITIONS))) == \
        ["p1-open-0", "p1-open-1", "p1-open-2", "p1-open-3", "p2-0", "p2-1", "p2-2"]


# ----------------------------------------------------------------------------------------------
# kafka-python 3.x

def kp_producer(bootstrap, txn_id, **extra):
    from kafka import KafkaProducer
    return KafkaProducer(bootstrap_servers=bootstrap, transactional_id=txn_id, transaction_timeout_ms=30000,
                         request_timeout_ms=15000, max_block_ms=30000, linger_ms=5, **extra)


def kp_read(bootstrap, topic, partitions, isolation, timeout=30.0) -> dict[int, list[tuple[int, str]]]:
    """Reads with kafka-python's own consumer (isolation_level) up to its end offsets."""
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTP

    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                      isolation_level=isolation, request_timeout_ms=15000)
    try:
        tps = [KTP(topic, p) for p in range(partitions)]
        c.assign(tps)
        c.seek_to_beginning()
        ends = c.end_offsets(tps)
        got: dict[int, list[tuple[int, str]]] = defaultdict(list)
        deadline = time.monotonic() + timeout
        while any(c.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, \
                f"kafka-python ({isolation}) at {[c.position(tp) for tp in tps]} of {ends} after {timeout:.0f} s"
            for recs in c.poll(timeout_ms=500).values():
                for r in recs:
                    got[r.partition].append((r.offset, r.value.decode()))
        return {p: es for p, es in got.items() if es}
    finally:
        c.close()


def test_kafka_python_commit_and_abort_visibility(broker, topic):
    create_topic(broker.bootstrap, topic, PARTITIONS)
    p = kp_producer(broker.bootstrap, uid("kp-txn"))
    try:
        p.init_transactions()
        layout = Layout()
        for prefix, n, commit in (("a", 10, True), ("b", 7, False), ("c", 5, True), ("d", 1, False)):
            first = dict(layout.next)
            vals = layout.add(prefix, n, commit)
            p.begin_transaction()
            futures = [p.send(topic, value=v.encode(), partition=i % PARTITIONS) for i, v in enumerate(vals)]
            p.flush(timeout=30)
            metas = [f.get(timeout=1) for f in futures]
            assert [(m.partition, m.offset) for m in metas] == layout.placed, f"transaction {prefix}: offsets"
            if prefix == "c":
                check_open_transaction(broker.bootstrap, topic, _without(layout, vals), first)
            (p.commit_transaction if commit else p.abort_transaction)()
    finally:
        p.close(timeout=10)
    check_layout(broker.bootstrap, topic, layout)
    assert kp_read(broker.bootstrap, topic, PARTITIONS, "read_committed") == dict(layout.committed)
    assert kp_read(broker.bootstrap, topic, PARTITIONS, "read_uncommitted") == dict(layout.all)


def test_kafka_python_consume_transform_produce_exactly_once(broker, topic):
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTP
    from kafka.structs import OffsetAndMetadata

    src, dst, group = f"{topic}-in", f"{topic}-out", uid("kp-ctp")
    create_topic(broker.bootstrap, src, CTP_PARTITIONS)
    create_topic(broker.bootstrap, dst, CTP_PARTITIONS)
    produce(broker.bootstrap, src, [{"key": None, "value": f"in-{i}".encode()} for i in range(CTP_RECORDS)])
    inputs = read_committed(broker.bootstrap, src, CTP_PARTITIONS)
    expected = defaultdict(list)
    for m in inputs:
        expected[m.partition()].append(transform(m.partition(), m.offset(), m.value()).decode())
    ends = end_offsets(broker.bootstrap, src, CTP_PARTITIONS)

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group, isolation_level="read_committed",
                             enable_auto_commit=False, auto_offset_reset="earliest", request_timeout_ms=15000,
                             max_poll_records=25)
    producer = kp_producer(broker.bootstrap, uid("kp-ctp-txn"))
    aborted_count = None
    moved = 0
    try:
        producer.init_transactions()
        consumer.subscribe([src])
        deadline = time.monotonic() + 60
        tps = [KTP(src, p) for p in range(CTP_PARTITIONS)]
        while True:
            assert time.monotonic() < deadline, f"moved {moved} of {len(inputs)} records in 60 s"
            batch = consumer.poll(timeout_ms=500)
            recs = [r for rs in batch.values() for r in rs]
            if not recs:
                if {tp.partition: (consumer.committed(tp) or -1) for tp in tps} == ends:
                    break
                continue
            producer.begin_transaction()
            for r in recs:
                producer.send(dst, value=transform(r.partition, r.offset, r.value), partition=r.partition)
            offsets = {tp: OffsetAndMetadata(consumer.position(tp), "", -1) for tp in consumer.assignment()}
            producer.send_offsets_to_transaction(offsets, consumer.group_metadata())
            if aborted_count is None:
                producer.flush(timeout=30)
                producer.abort_transaction()
                aborted_count = len(recs)
                assert all(consumer.committed(tp) is None for tp in tps), "aborted offsets committed"
                for tp in consumer.assignment():
                    consumer.seek(tp, 0)
                continue
            producer.commit_transaction()
            moved += len(recs)
    finally:
        producer.close(timeout=10)
        consumer.close()

    got = defaultdict(list)
    for m in read_committed(broker.bootstrap, dst, CTP_PARTITIONS):
        got[m.partition()].append(m.value().decode())
    assert dict(got) == dict(expected), "output (read_committed) is not each input record exactly once, in order"
    assert moved == len(inputs)
    assert len(read_uncommitted(broker.bootstrap, dst, CTP_PARTITIONS)) == len(inputs) + aborted_count
    assert group_offsets(broker.bootstrap, group, src, CTP_PARTITIONS) == ends


def test_kafka_python_second_producer_fences_the_first(broker, topic):
    import kafka.errors as Errors

    create_topic(broker.bootstrap, topic, PARTITIONS)
    txn_id = uid("kp-fence")
    p1 = kp_producer(broker.bootstrap, txn_id)
    p2 = None
    try:
        p1.init_transactions()
        p1.begin_transaction()
        for i in range(4):
            p1.send(topic, value=f"p1-open-{i}".encode(), partition=i % PARTITIONS)
        p1.flush(timeout=30)

        p2 = kp_producer(broker.bootstrap, txn_id)
        p2.init_transactions()

        late = p1.send(topic, value=b"p1-after", partition=0)
        with pytest.raises(Errors.KafkaError) as e:
            p1.commit_transaction()
        assert isinstance(e.value, (Errors.ProducerFencedError, Errors.InvalidProducerEpochError)) or \
            isinstance(e.value.__cause__, (Errors.ProducerFencedError, Errors.InvalidProducerEpochError)), \
            f"fenced producer's commit raised {e.value!r}"
        with pytest.raises(Errors.KafkaError):
            late.get(timeout=10)
        with pytest.raises(Errors.KafkaError):
            p1.begin_transaction()

        p2.begin_transaction()
        for i in range(3):
            p2.send(topic, value=f"p2-{i}".encode(), partition=i % PARTITIONS)
        p2.commit_transaction()
    finally:
        p1.close(timeout=5)
        if p2 is not None:
            p2.close(timeout=10)

    assert sorted(values(read_committed(broker.bootstrap, topic, PARTITIONS))) == ["p2-0", "p2-1", "p2-2"]
    assert sorted(values(read_uncommitted(broker.bootstrap, topic, PARTITIONS))) == \
        ["p1-open-0", "p1-open-1", "p1-open-2", "p1-open-3", "p2-0", "p2-1", "p2-2"]
    assert sorted(v for es in kp_read(broker.bootstrap, topic, PARTITIONS, "read_committed").values()
                  for _, v in es) == ["p2-0", "p2-1", "p2-2"]


# ----------------------------------------------------------------------------------------------
# aiokafka

def aio_producer(bootstrap, txn_id):
    from aiokafka import AIOKafkaProducer
    return AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=txn_id, transaction_timeout_ms=30000,
                            request_timeout_ms=15000, linger_ms=5)


async def aio_read(bootstrap, topic, partitions, isolation, timeout=30.0) -> dict[int, list[tuple[int, str]]]:
    from aiokafka import AIOKafkaConsumer
    from aiokafka import TopicPartition as ATP

    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                         isolation_level=isolation, request_timeout_ms=15000)
    await asyncio.wait_for(c.start(), 20)
    try:
        tps = [ATP(topic, p) for p in range(partitions)]
        c.assign(tps)
        await c.seek_to_beginning(*tps)
        ends = await c.end_offsets(tps)
        got: dict[int, list[tuple[int, str]]] = defaultdict(list)
        deadline = time.monotonic() + timeout
        while True:
            positions = {tp: await c.position(tp) for tp in tps}
            if all(positions[tp] >= ends[tp] for tp in tps):
                break
            assert time.monotonic() < deadline, f"aiokafka ({isolation}) at {positions} of {ends} after {timeout:.0f} s"
            for recs in (await c.getmany(*tps, timeout_ms=500)).values():
                for r in recs:
                    got[r.partition].append((r.offset, r.value.decode()))
        return {p: es for p, es in got.items() if es}
    finally:
        await asyncio.wait_for(c.stop(), 15)


def run_async(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_aiokafka_commit_and_abort_visibility(broker, topic):
    create_topic(broker.bootstrap, topic, PARTITIONS)
    layout = Layout()

    class Abort(Exception):
        pass

    async def main():
        p = aio_producer(broker.bootstrap, uid("aio-txn"))
        await asyncio.wait_for(p.start(), 20)
        try:
            for prefix, n, commit in (("a", 10, True), ("b", 7, False), ("c", 5, True), ("d", 1, False)):
                first = dict(layout.next)
                vals = layout.add(prefix, n, commit)
                try:
                    async with p.transaction():
                        futures = [await p.send(topic, value=v.encode(), partition=i % PARTITIONS)
                                   for i, v in enumerate(vals)]
                        metas = await asyncio.gather(*futures)
                        assert [(m.partition, m.offset) for m in metas] == layout.placed, f"transaction {prefix}: offsets"
                        if prefix == "c":
                            await asyncio.to_thread(check_open_transaction, broker.bootstrap, topic,
                                                    _without(layout, vals), first)
                        if not commit:
                            raise Abort()  # leaving the block with an exception aborts
                except Abort:
                    pass
        finally:
            await asyncio.wait_for(p.stop(), 15)
        return (await aio_read(broker.bootstrap, topic, PARTITIONS, "read_committed"),
                await aio_read(broker.bootstrap, topic, PARTITIONS, "read_uncommitted"))

    rc, ru = run_async(main())
    check_layout(broker.bootstrap, topic, layout)
    assert rc == dict(layout.committed), "aiokafka read_committed"
    assert ru == dict(layout.all), "aiokafka read_uncommitted"


def test_aiokafka_consume_transform_produce_exactly_once(broker, topic):
    from aiokafka import AIOKafkaConsumer
    from aiokafka import TopicPartition as ATP

    src, dst, group = f"{topic}-in", f"{topic}-out", uid("aio-ctp")
    create_topic(broker.bootstrap, src, CTP_PARTITIONS)
    create_topic(broker.bootstrap, dst, CTP_PARTITIONS)
    produce(broker.bootstrap, src, [{"key": None, "value": f"in-{i}".encode()} for i in range(CTP_RECORDS)])
    inputs = read_committed(broker.bootstrap, src, CTP_PARTITIONS)
    expected = defaultdict(list)
    for m in inputs:
        expected[m.partition()].append(transform(m.partition(), m.offset(), m.value()).decode())
    ends = end_offsets(broker.bootstrap, src, CTP_PARTITIONS)

    class Abort(Exception):
        pass

    async def main():
        consumer = AIOKafkaConsumer(src, bootstrap_servers=broker.bootstrap, group_id=group,
                                    isolation_level="read_committed", enable_auto_commit=False,
                                    auto_offset_reset="earliest", request_timeout_ms=15000)
        producer = aio_producer(broker.bootstrap, uid("aio-ctp-txn"))
        await asyncio.wait_for(consumer.start(), 30)
        await asyncio.wait_for(producer.start(), 30)
        aborted_count, moved = None, 0
        tps = [ATP(src, p) for p in range(CTP_PARTITIONS)]
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=25)
                recs = [r for rs in batch.values() for r in rs]
                if not recs:
                    if {tp.partition: await consumer.committed(tp) for tp in tps} == ends:
                        return moved, aborted_count
                    continue
                try:
                    async with producer.transaction():
                        for r in recs:
                            await producer.send(dst, value=transform(r.partition, r.offset, r.value),
                                                partition=r.partition)
                        offsets = {tp: await consumer.position(tp) for tp in consumer.assignment()}
                        await producer.send_offsets_to_transaction(offsets, group)
                        if aborted_count is None:
                            await producer.flush()
                            aborted_count = len(recs)
                            raise Abort()
                    moved += len(recs)
                except Abort:
                    assert all([await consumer.committed(tp) is None for tp in tps]), "aborted offsets committed"
                    for tp in consumer.assignment():
                        consumer.seek(tp, 0)
        finally:
            await asyncio.wait_for(producer.stop(), 15)
            await asyncio.wait_for(consumer.stop(), 15)

    moved, aborted_count = run_async(main(), 90)
    got = defaultdict(list)
    for m in read_committed(broker.bootstrap, dst, CTP_PARTITIONS):
        got[m.partition()].append(m.value().decode())
    assert dict(got) == dict(expected), "output (read_committed) is not each input record exactly once, in order"
    assert moved == len(inputs)
    assert len(read_uncommitted(broker.bootstrap, dst, CTP_PARTITIONS)) == len(inputs) + aborted_count
    assert group_offsets(broker.bootstrap, group, src, CTP_PARTITIONS) == ends


def test_aiokafka_second_producer_fences_the_first(broker, topic):
    from aiokafka.errors import KafkaError as AioKafkaError
    from aiokafka.errors import ProducerFenced

    create_topic(broker.bootstrap, topic, PARTITIONS)
    txn_id = uid("aio-fence")

    async def main():
        p1 = aio_producer(broker.bootstrap, txn_id)
        p2 = aio_producer(broker.bootstrap, txn_id)
        await asyncio.wait_for(p1.start(), 20)
        try:
            await p1.begin_transaction()
            futures = [await p1.send(topic, value=f"p1-open-{i}".encode(), partition=i % PARTITIONS)
                       for i in range(4)]
            await asyncio.gather(*futures)

            await asyncio.wait_for(p2.start(), 20)  # InitProducerId: bumps the epoch, aborts p1's transaction

            late = await p1.send(topic, value=b"p1-after", partition=0)
            with pytest.raises(ProducerFenced):
                await asyncio.wait_for(p1.commit_transaction(), 30)
            with pytest.raises(AioKafkaError):
                await asyncio.wait_for(late, 10)

            async with p2.transaction():
                await asyncio.gather(*[await p2.send(topic, value=f"p2-{i}".encode(), partition=i % PARTITIONS)
                                       for i in range(3)])
        finally:
            await asyncio.wait_for(p1.stop(), 15)
            await asyncio.wait_for(p2.stop(), 15)
        return await aio_read(broker.bootstrap, topic, PARTITIONS, "read_committed")

    rc = run_async(main())
    assert sorted(v for es in rc.values() for _, v in es) == ["p2-0", "p2-1", "p2-2"]
    assert sorted(values(read_committed(broker.bootstrap, topic, PARTITIONS))) == ["p2-0", "p2-1", "p2-2"]
    assert sorted(values(read_uncommitted(broker.bootstrap, topic, PARTITIONS))) == \
        ["p1-open-0", "p1-open-1", "p1-open-2", "p1-open-3", "p2-0", "p2-1", "p2-2"]
