#!/usr/bin/env python3
"""The dashboard phase of bench/run.sh: `kappa` (broker + dashboard, one process) in tmux at 120x40.

    dashboard.py --kappa .build/release/kappa --producer bench/bin/rateprod [--rate 10000] [--seconds 10]
                 [--idle-seconds 10] [--log-dir DIR]

1. Starts `kappa --listen 127.0.0.1:<free port> --memory --topic dash-bench` in a detached tmux session
   (120x40) and finds the kappa process (the child of the pane's shell); creates `dash-bench` from the
   Kafka-Term prompt and waits for Consumer-Term's group to be stable; focuses Consumer-Term.
2. Idle: CPU (utime+stime of the kappa process, /proc/<pid>/stat) over --idle-seconds.
3. Load: bench/rateprod sends --rate msg/s to dash-bench from outside for --seconds (+1 s warm-up).
   CPU over the --seconds after the warm-up. Meanwhile, about once a second: `tmux send-keys Tab`,
   then capture-pane of the hint bar (the last line) until it shows the next pane's keys; the time
   from just before send-keys to that capture is one key response.
4. After the producer's last message: how long until Consumer-Term shows that message's key.
5. Ctrl-C; kappa must exit with status 0.

CPU figures are % of one core for the whole kappa process, i.e. the built-in broker (which also serves
the producer) plus the dashboard's own clients and UI; the per-thread split goes to the log.
Last stdout line:
  RESULT idle_pct= load_pct= key_n= key_p50_ms= key_max_ms= idle_key_p50_ms= lag_p50_ms= lag_max_ms=
         last_seen_s= sent= delivered= exit=
(lag = how far behind the producer Consumer-Term's newest line was, sampled with each key probe)
(`NA` for what could not be measured). Lines starting with NOTE are footnotes for the table.
Exit status 0 when every step completed (targets missed or not), 1 otherwise.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 120, 40
TOPIC = "dash-bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The hint bar's mark of each pane, in Tab order starting from Consumer-Term.
CYCLE = [("consumer", "f follow"), ("kafka", "Enter run"), ("offsets", "Enter browse partition"),
         ("producer", "Enter send")]


class Failed(Exception):
    pass


def log(message: str):
    print(f"[bench] dashboard: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Screen:
    def __init__(self, name: str, command: str, cwd: str):
        self.name = name
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT), "-c", cwd,
                        command], check=True)

    def text(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True,
                              text=True).stdout

    def last_line(self) -> str:
        row = str(HEIGHT - 1)
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name, "-S", row, "-E", row],
                              capture_output=True, text=True).stdout

    def keys(self, *keys: str, literal: bool = False):
        subprocess.run(["tmux", "send-keys", "-t", self.name] + (["-l"] if literal else []) + list(keys), check=True)

    def pane_pid(self) -> int | None:
        out = subprocess.run(["tmux", "list-panes", "-t", self.name, "-F", "#{pane_pid}"], capture_output=True,
                             text=True).stdout.split()
        return int(out[0]) if out else None

    def wait_for(self, predicate, what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise Failed(f"timed out after {timeout:.0f} s waiting for {what}; screen:\n{text}")

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def kappa_pid(pane_pid: int) -> int | None:
    """The pane runs `sh -c 'kappa ...; echo ...'`: kappa is the shell's child (or the pane itself)."""
    def comm(pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return ""
    if comm(pane_pid) == "kappa":
        return pane_pid
    try:
        children = Path(f"/proc/{pane_pid}/task/{pane_pid}/children").read_text().split()
    except OSError:
        children = subprocess.run(["pgrep", "-P", str(pane_pid)], capture_output=True, text=True).stdout.split()
    for child in children:
        if comm(int(child)) == "kappa":
            return int(child)
    return None


def stat_ticks(path: str) -> int:
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def cpu_ticks(pid: int) -> int:
    return stat_ticks(f"/proc/{pid}/stat")


def thread_ticks(pid: int) -> dict[str, int]:
    """utime+stime per thread group: ui (kappa.ui), broker (NIO-*), librdkafka (rdk:*), other."""
    groups: dict[str, int] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            ticks = stat_ticks(str(task / "stat"))
        except (OSError, IndexError):
            continue
        # Foundation's Thread.name does not reach the OS here, so the UI thread and KappaClient's poll
        # threads carry libdispatch's worker names: they are in "other" with the dispatch workers.
        group = ("broker" if name.startswith("NIO-") else "librdkafka" if name.startswith("rdk:") else "other")
        groups[group] = groups.get(group, 0) + ticks
    return groups


def split(before: dict[str, int], after: dict[str, int], seconds: float) -> str:
    keys = sorted(set(before) | set(after))
    return ", ".join(f"{k} {(after.get(k, 0) - before.get(k, 0)) / CLK_TCK / seconds * 100:.1f}%" for k in keys)


def measure_cpu(pid: int, seconds: float) -> tuple[float, str]:
    t0, g0, w0 = cpu_ticks(pid), thread_ticks(pid), time.monotonic()
    time.sleep(seconds)
    t1, g1, w1 = cpu_ticks(pid), thread_ticks(pid), time.monotonic()
    return (t1 - t0) / CLK_TCK / (w1 - w0) * 100, split(g0, g1, w1 - w0)


class KeyProbe:
    """Tab, then poll the hint bar until it shows the next pane's keys."""

    def __init__(self, screen: Screen):
        self.screen = screen
        self.at = 0  # index in CYCLE; the bench starts on Consumer-Term

    def press(self, timeout: float = 2.0) -> float | None:
        want = CYCLE[(self.at + 1) % len(CYCLE)][1]
        start = time.monotonic()
        self.screen.keys("Tab")
        while time.monotonic() - start < timeout:
            if want in self.screen.last_line():
                self.at = (self.at + 1) % len(CYCLE)
                return (time.monotonic() - start) * 1000
            time.sleep(0.002)
        # Lost track (a key missed?): find where the focus is now.
        line = self.screen.last_line()
        for i, (_, mark) in enumerate(CYCLE):
            if mark in line:
                self.at = i
        return None

    def home(self):
        """Back to Consumer-Term, so its lines stay in the same place between probes."""
        for _ in range(len(CYCLE)):
            if self.at == 0:
                return
            self.press()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))]


def run(args, work: str, result: dict, notes: list[str]):
    port = free_port()
    status = Path(work) / "status"
    log_file = Path(args.log_dir) / "dashboard-kappa.log"
    command = (f"{args.kappa} --listen 127.0.0.1:{port} --memory --topic {TOPIC} "
               f"--themes-dir {ROOT / 'Themes'} --log-file {log_file}; echo EXITED rc=$? > {status}; sleep 30")
    screen = Screen(f"kappa-bench-dash-{os.getpid()}", command, work)
    producer = None
    try:
        def started(text: str) -> bool:
            if status.exists():
                raise Failed(f"kappa exited during start-up ({status.read_text().strip()}): {text.strip()[:300]}")
            return "kafka>" in text and "listening on 127.0.0.1" in text
        screen.wait_for(started, "the dashboard to start")
        pane = screen.pane_pid()
        pid = kappa_pid(pane) if pane else None
        if not pid:
            raise Failed(f"no kappa process under the tmux pane (pane pid {pane})")
        log(f"kappa pid {pid} on 127.0.0.1:{port}; creating {TOPIC} from Kafka-Term")
        screen.keys(f"create {TOPIC}", literal=True)
        screen.keys("Enter")
        screen.wait_for(lambda t: f"Created topic {TOPIC}." in t, "the topic to be created")
        screen.wait_for(lambda t: "group 'kappa-console' is stable" in t, "Consumer-Term's group to be stable", 30)
        screen.keys("BTab")
        screen.wait_for(lambda t: CYCLE[0][1] in t.rstrip("\n").splitlines()[-1], "focus on Consumer-Term")
        probe = KeyProbe(screen)
        time.sleep(3)  # startup work (metadata, first offsets refresh) out of the way

        log(f"idle CPU over {args.idle_seconds:g} s")
        idle, idle_split = measure_cpu(pid, args.idle_seconds)
        result["idle_pct"] = f"{idle:.2f}"
        log(f"idle: {idle:.2f}% of a core ({idle_split})")
        idle_keys = [ms for ms in (probe.press() for _ in range(8)) if ms is not None]
        probe.home()
        if idle_keys:
            result["idle_key_p50_ms"] = f"{statistics.median(idle_keys):.0f}"
            log("idle key responses (ms): " + " ".join(f"{k:.0f}" for k in idle_keys))

        bs = f"127.0.0.1:{port}"
        log(f"load: {args.rate} msg/s to {TOPIC} for 1+{args.seconds:g} s (bench/rateprod)")
        prod_log = open(Path(args.log_dir) / "dashboard-producer.log", "w")
        prod_start = time.monotonic()
        producer = subprocess.Popen([args.producer, "-b", bs, "-t", TOPIC, "-r", str(args.rate),
                                     "-d", str(args.seconds + 1.5), "-s", str(args.size)],
                                    stdout=prod_log, stderr=subprocess.STDOUT)
        time.sleep(1.0)
        t0, g0, w0 = cpu_ticks(pid), thread_ticks(pid), time.monotonic()
        keys: list[float] = []
        lags: list[float] = []
        misses = 0
        while time.monotonic() - w0 < args.seconds - 0.3:
            # Probe at a fixed cadence; the probe's own tmux calls cost the kappa process nothing.
            next_at = time.monotonic() + 0.5
            ms = probe.press()
            if ms is None:
                misses += 1
            else:
                keys.append(ms)
            # How far Consumer-Term's newest line is behind what the producer has sent by now.
            shown = [int(s) for s in re.findall(r"Key= dash-(\d{8}) ,", screen.text())]
            expected = (time.monotonic() - prod_start) * args.rate
            lags.append(max(0.0, expected - max(shown, default=-1) - 1) / args.rate * 1000)
            time.sleep(max(0.0, next_at - time.monotonic()))
        time.sleep(max(0.0, args.seconds - (time.monotonic() - w0)))
        t1, g1, w1 = cpu_ticks(pid), thread_ticks(pid), time.monotonic()
        load = (t1 - t0) / CLK_TCK / (w1 - w0) * 100
        result["load_pct"] = f"{load:.1f}"
        log(f"load: {load:.1f}% of a core ({split(g0, g1, w1 - w0)})")
        notes.append(f"dashboard CPU split at {args.rate} msg/s: {split(g0, g1, w1 - w0)} (broker: the built-in "
                     f"broker's event loops; other: UI, poll and dispatch threads; live threads only)")
        result["key_n"] = str(len(keys))
        if keys:
            result["key_p50_ms"] = f"{statistics.median(keys):.0f}"
            result["key_max_ms"] = f"{max(keys):.0f}"
            log("key responses under load (ms): " + " ".join(f"{k:.0f}" for k in keys))
        if lags:
            result["lag_p50_ms"] = f"{statistics.median(lags):.0f}"
            result["lag_max_ms"] = f"{max(lags):.0f}"
            log("Consumer-Term behind the producer (ms): " + " ".join(f"{x:.0f}" for x in lags))
        if misses:
            notes.append(f"dashboard: {misses} Tab presses under load got no visible answer within 2 s")
        probe.home()

        producer.wait(timeout=args.seconds + 60)
        prod_log.close()
        done = time.monotonic()
        text = (Path(args.log_dir) / "dashboard-producer.log").read_text()
        line = next((l for l in reversed(text.splitlines()) if l.startswith("RESULT")), "")
        if not line:
            raise Failed(f"the producer printed no RESULT (exit {producer.returncode}): {text[-300:]}")
        fields = dict(kv.split("=", 1) for kv in line.split()[1:])
        result["sent"], result["delivered"] = fields.get("sent", "NA"), fields.get("delivered", "NA")
        if producer.returncode != 0:
            notes.append(f"dashboard: producer exit {producer.returncode}: {line}")
        last_key = fields.get("last_key", "")
        log(f"producer: {line}; waiting for {last_key} in Consumer-Term")
        try:
            screen.wait_for(lambda t: f"Key= {last_key} ," in t, f"the last key {last_key} in Consumer-Term", 30)
            result["last_seen_s"] = f"{time.monotonic() - done:.2f}"
        except Failed:
            title = next((l for l in screen.text().splitlines() if "Consumer-Term" in l), "")
            notes.append(f"dashboard: Consumer-Term did not show the last message {last_key} within 30 s "
                         f"(title: {title.strip()[:120]})")
            raise
        (Path(args.log_dir) / "dashboard-screen.txt").write_text(screen.text())
    finally:
        if producer and producer.poll() is None:
            producer.terminate()
            producer.wait(10)
        try:
            screen.keys("C-c")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not (status.exists() and "EXITED" in status.read_text()):
                time.sleep(0.1)
            result["exit"] = (status.read_text().split("rc=")[1].strip() if status.exists() else "none")
        finally:
            screen.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kappa", required=True)
    parser.add_argument("--producer", required=True)
    parser.add_argument("--rate", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--idle-seconds", type=float, default=10)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--log-dir", default=".")
    args = parser.parse_args()
    # A SIGTERM (run.sh's timeout) unwinds like an exception, so the tmux session and the producer go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.kappa = os.path.abspath(args.kappa)
    args.producer = os.path.abspath(args.producer)
    args.log_dir = os.path.abspath(args.log_dir)
    result = {k: "NA" for k in ("idle_pct", "load_pct", "key_n", "key_p50_ms", "key_max_ms", "idle_key_p50_ms",
                                "lag_p50_ms", "lag_max_ms", "last_seen_s", "sent", "delivered", "exit")}
    notes: list[str] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="kappa-bench-dash.") as work:
        try:
            run(args, work, result, notes)
        except (Failed, subprocess.SubprocessError, OSError) as error:
            ok = False
            notes.append(f"dashboard phase failed: {str(error).splitlines()[0]}")
            print(f"[bench] dashboard: {error}", file=sys.stderr)
    if result["exit"] != "0":
        ok = False
        notes.append(f"dashboard: kappa exit status after Ctrl-C: {result['exit']}")
    for note in notes:
        print(f"NOTE {note}")
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
