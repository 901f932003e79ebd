#!/usr/bin/env python3
"""Captures real clients' requests as golden bytes for KappaWire's tests.

Starts `kappa broker` on one port and a recording TCP proxy on another, runs each client (kcat,
confluent-kafka, kafka-python 3 and 2.0.2, aiokafka) against the proxy, and writes the first request
of each (client, API, version) to Tests/KappaWireTests/Generated/CapturedRequests.swift.

Usage: Tools/capture_requests.py   (needs `swift build` and `scripts/setup.sh` done)
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "KappaWireTests", "Generated", "CapturedRequests.swift")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy(threading.Thread):
    def __init__(self, listen_port, broker_port):
        super().__init__(daemon=True)
        self.listen_port, self.broker_port = listen_port, broker_port
        self.label = "unknown"
        self.frames = {}  # (label, api, version) -> bytes
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", listen_port))
        self.server.listen(64)

    def run(self):
        while True:
            client, _ = self.server.accept()
            upstream = socket.create_connection(("127.0.0.1", self.broker_port))
            threading.Thread(target=self.pump_requests, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client), daemon=True).start()

    def pump(self, src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def pump_requests(self, src, dst):
        buffer = b""
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                buffer += data
                while len(buffer) >= 4:
                    (size,) = struct.unpack(">i", buffer[:4])
                    if len(buffer) < 4 + size:
                        break
                    frame, buffer = buffer[4:4 + size], buffer[4 + size:]
                    api, version = struct.unpack(">hh", frame[:4])
                    self.frames.setdefault((self.label, api, version), frame)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def run(cmd, **kw):
    subprocess.run(cmd, timeout=60, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def main():
    broker_port, proxy_port = free_port(), free_port()
    data = tempfile.mkdtemp(prefix="kappa-capture-")
    # The broker advertises the proxy's port so that clients reconnect through it.
    broker = subprocess.Popen([os.path.join(ROOT, ".build/debug/kappa"), "broker", "--listen", f"127.0.0.1:{broker_port}",
                               "--advertise", f"127.0.0.1:{proxy_port}", "--data-dir", data],
                              stderr=subprocess.DEVNULL)
    time.sleep(1)
    proxy = Proxy(proxy_port, broker_port)
    proxy.start()
    b = f"127.0.0.1:{proxy_port}"
    py3, py2 = os.path.join(ROOT, ".venv/bin/python"), os.path.join(ROOT, ".venv-kp2/bin/python")
    steps = [
        ("kcat", ["kcat", "-b", b, "-L"]),
        ("kcat", ["sh", "-c", f"printf 'k1:v1\\n' | kcat -b {b} -P -t golden -K: -z gzip"]),
        ("kcat", ["kcat", "-b", b, "-C", "-t", "golden", "-e", "-o", "beginning"]),
        ("kcat", ["kcat", "-b", b, "-C", "-G", "golden-group", "golden", "-e"]),
        ("confluent", [py3, "-c", f"""
from confluent_kafka.admin import AdminClient, NewTopic
a = AdminClient({{'bootstrap.servers': '{b}'}})
a.create_topics([NewTopic('golden3', 3, 1)])['golden3'].result()
from confluent_kafka import Consumer, Producer, TopicPartition
p = Producer({{'bootstrap.servers': '{b}', 'enable.idempotence': True}})
p.produce('golden3', key=b'k', value=b'v', headers=[('h', b'1')]); p.flush(10)
c = Consumer({{'bootstrap.servers': '{b}', 'group.id': 'golden-c', 'auto.offset.reset': 'earliest'}})
c.subscribe(['golden3']); m = None
for _ in range(50):
    m = c.poll(0.2)
    if m is not None and not m.error(): break
c.commit(asynchronous=False); c.offsets_for_times([TopicPartition('golden3', 0, 0)], timeout=5); c.close()
"""]),
        ("kafka-python-3", [py3, "-c", f"""
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers='{b}')
p.send('golden', key=b'k', value=b'v').get(10); p.close()
from kafka import KafkaConsumer
c = KafkaConsumer('golden', bootstrap_servers='{b}', group_id='golden-k3', auto_offset_reset='earliest', consumer_timeout_ms=3000)
for m in c: break
c.commit(); c.close()
"""]),
        ("kafka-python-2", [py2, "-c", f"""
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers='{b}')
p.send('golden', key=b'k', value=b'v').get(10); p.close()
from kafka import KafkaConsumer
c = KafkaConsumer('golden', bootstrap_servers='{b}', group_id='golden-k2', auto_offset_reset='earliest', consumer_timeout_ms=3000)
for m in c: break
c.commit(); c.close()
"""]),
        ("aiokafka", [py3, "-c", f"""
import asyncio
from aiokafka import AIOKafkaProducer
async def main():
    p = AIOKafkaProducer(bootstrap_servers='{b}'); await p.start()
    await p.send_and_wait('golden', b'v', key=b'k'); await p.stop()
asyncio.run(main())
"""]),
    ]
    for label, cmd in steps:
        proxy.label = label
        run(cmd)
        time.sleep(0.3)
    broker.terminate()
    broker.wait(10)
    lines = [
        "// Generated by Tools/capture_requests.py: request frames (header + body, no size prefix) sent by",
        "// real clients to `kappa broker`. Do not edit by hand; rerun the script to refresh.",
        "",
        "struct CapturedRequest: Sendable, CustomStringConvertible {",
        "    let client: String",
        "    let apiKey: Int16",
        "    let apiVersion: Int16",
        "    let hex: String",
        "    var description: String { \"\\(client) key \\(apiKey) v\\(apiVersion)\" }",
        "}",
        "",
        "let capturedRequests: [CapturedRequest] = [",
    ]
    for (label, api, version), frame in sorted(proxy.frames.items()):
        lines.append(f'    CapturedRequest(client: "{label}", apiKey: {api}, apiVersion: {version}, hex: "{frame.hex()}"),')
    lines.append("]")
    with open(OUT, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"captured {len(proxy.frames)} requests into {os.path.relpath(OUT, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
