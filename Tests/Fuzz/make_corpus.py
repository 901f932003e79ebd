#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus (Tests/Fuzz/corpus) from the requests real clients sent, as
captured in Tests/KappaWireTests/Generated/CapturedRequests.swift.

Each seed is one fuzz input: a control byte (0: the stream arrives in one read, no SASL; see
RequestStreamFuzzer.swift), then size-prefixed frames. There is one seed per captured request
and one per client with all of its requests in the order a session sends them, plus three
hand-built SASL sessions (PLAIN, SCRAM-SHA-256 first message, v0 handshake with a bare token) in
front of a captured session, for the broker behind the SASL gate (control bit 0x40).
Rerun after refreshing the captures: python3 Tests/Fuzz/make_corpus.py
"""
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAPTURES = os.path.join(ROOT, "Tests", "KappaWireTests", "Generated", "CapturedRequests.swift")
OUT = os.path.join(ROOT, "Tests", "Fuzz", "corpus")

# The order a client's session goes through its APIs, so a session seed reaches a broker that
# already has its topic, producer id and group when the later requests arrive.
SESSION_ORDER = [18, 3, 19, 22, 0, 2, 1, 10, 11, 14, 12, 8, 9, 13]

ROW = re.compile(r'CapturedRequest\(client: "([^"]+)", apiKey: (\d+), apiVersion: (\d+), hex: "([0-9a-f]*)"\)')


def frame(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


SASL = 0x40


def header(key: int, version: int, correlation_id: int, flexible: bool = False) -> bytes:
    client = b"fuzz-seed"
    return struct.pack(">hhih", key, version, correlation_id, len(client)) + client + (b"\x00" if flexible else b"")


def sasl_handshake(version: int, mechanism: str) -> bytes:
    name = mechanism.encode()
    return frame(header(17, version, 1) + struct.pack(">h", len(name)) + name)


def sasl_authenticate_v2(token: bytes) -> bytes:
    """Flexible: compact bytes (uvarint length + 1, below 128 here) and an empty tag buffer."""
    assert len(token) < 127
    return frame(header(36, 2, 2, flexible=True) + bytes([len(token) + 1]) + token + b"\x00")


def sasl_seeds(session: bytes) -> dict[str, bytes]:
    return {
        "sasl-plain-session": sasl_handshake(1, "PLAIN") + sasl_authenticate_v2(b"\x00fuzz\x00fuzz") + session,
        "sasl-scram-first": sasl_handshake(1, "SCRAM-SHA-256") + sasl_authenticate_v2(b"n,,n=fuzz,r=fuzzclientnonce"),
        "sasl-v0-bare-token": sasl_handshake(0, "PLAIN") + frame(b"\x00fuzz\x00fuzz") + session,
    }


def main() -> int:
    with open(CAPTURES, encoding="utf-8") as fh:
        rows = ROW.findall(fh.read())
    if not rows:
        print(f"no captured requests found in {CAPTURES}", file=sys.stderr)
        return 1
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    sessions: dict[str, list[tuple[int, int, bytes]]] = {}
    for client, key, version, hexdata in rows:
        payload = bytes.fromhex(hexdata)
        key, version = int(key), int(version)
        with open(os.path.join(OUT, f"{client}-key{key}-v{version}"), "wb") as fh:
            fh.write(b"\x00" + frame(payload))
        sessions.setdefault(client, []).append((key, version, payload))
    for client, requests in sessions.items():
        rank = {key: i for i, key in enumerate(SESSION_ORDER)}
        ordered = sorted(requests, key=lambda r: (rank.get(r[0], len(rank) + r[0]), r[1]))
        with open(os.path.join(OUT, f"{client}-session"), "wb") as fh:
            fh.write(b"\x00" + b"".join(frame(p) for _, _, p in ordered))
    confluent = open(os.path.join(OUT, "confluent-session"), "rb").read()[1:]
    seeds = sasl_seeds(confluent)
    for name, stream in seeds.items():
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(bytes([SASL]) + stream)
    print(f"wrote {len(rows)} request seeds, {len(sessions)} session seeds and {len(seeds)} SASL seeds "
          f"to {os.path.relpath(OUT, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
