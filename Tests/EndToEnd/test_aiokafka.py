"""aiokafka: producer sends, a consumer with assigned partitions (no group) reads everything back."""
import asyncio
import time
from collections import defaultdict

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from e2e import create_topic

PARTITIONS = 2


async def produce_and_read(bootstrap, topic, sent):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=15000,
                                linger_ms=5)
    await asyncio.wait_for(producer.start(), 20)
    try:
        futures = [await producer.send(topic, key=s["key"], value=s["value"], headers=s["headers"],
                                       timestamp_ms=s["ts"]) for s in sent]
        metas = await asyncio.wait_for(asyncio.gather(*futures), 30)
    finally:
        await asyncio.wait_for(producer.stop(), 15)

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, request_timeout_ms=15000)
    await asyncio.wait_for(consumer.start(), 20)
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        await asyncio.wait_for(consumer.seek_to_beginning(*tps), 15)
        got = []
        deadline = time.monotonic() + 30
        while len(got) < len(sent):
            assert time.monotonic() < deadline, f"read {len(got)} of {len(sent)} records in 30 s"
            batch = await consumer.getmany(*tps, timeout_ms=500)
            for recs in batch.values():
                got.extend(recs)
        ends = await asyncio.wait_for(consumer.end_offsets(tps), 15)
    finally:
        await asyncio.wait_for(consumer.stop(), 15)
    return metas, got, ends


def test_aiokafka_produce_and_assigned_read(broker, topic):
    n = 300
    create_topic(broker.bootstrap, topic, PARTITIONS)
    base_ts = int(time.time() * 1000) - 3_600_000
    sent = [{"key": f"key-{i % 11}".encode(), "value": f"aio value {i}".encode(),
             "headers": [("i", str(i).encode())], "ts": base_ts + i} for i in range(n)]
    metas, got, ends = asyncio.run(asyncio.wait_for(
        produce_and_read(broker.bootstrap, topic, sent), 120))

    by_part = defaultdict(list)
    key_part = {}
    for i, m in enumerate(metas):
        assert m.topic == topic
        assert key_part.setdefault(sent[i]["key"], m.partition) == m.partition
        by_part[m.partition].append(m.offset)
    for part, offs in by_part.items():
        assert offs == list(range(len(offs))), f"partition {part} offsets"
    assert {tp.partition: off for tp, off in ends.items()} == \
        {p: len(by_part[p]) for p in range(PARTITIONS)}

    index = {(m.partition, m.offset): i for i, m in enumerate(metas)}
    assert len(got) == n
    assert len({(r.partition, r.offset) for r in got}) == n
    for r in got:
        i = index[(r.partition, r.offset)]
        assert (r.key, r.value) == (sent[i]["key"], sent[i]["value"]), f"record {i}"
        assert list(r.headers) == sent[i]["headers"], f"record {i}"
        assert r.timestamp == sent[i]["ts"], f"record {i}"
