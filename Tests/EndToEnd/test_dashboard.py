"""The dashboard in a real terminal: `kappa` in tmux, driven only with send-keys and capture-pane.

Walks the course exercise through the three panes: the seed's create-topic command pasted into
Kafka-Term, the seed's put.py run from outside and read in Consumer-Term, a send from Producer-Term,
lag for both groups after get.py, Browse down to the records, a resize, and `q`.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from e2e import SHARED_DIR, VENV_KP2_PY, VENV_PY, free_port, kappa_bin, port_is_free, wait_until

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SEED_LINES = [
    "Key= MYID , Value=' A20545137 '",
    "Key= MYNAME , Value=' Deep Pawar '",
    "Key= MYEYECOLOR , Value=' Brown '",
]
CREATE = ("bin/kafka-topics.sh --create --replication-factor 1 --partitions 1 "
          "--bootstrap-server localhost:9092 --topic sample")


class Screen:
    """A tmux session running one command; everything goes through send-keys and capture-pane."""

    def __init__(self, name: str, command: str, width: int, height: int):
        self.name = name
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), command],
                       check=True)

    def text(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def keys(self, *keys: str, literal: bool = False):
        args = ["tmux", "send-keys", "-t", self.name] + (["-l"] if literal else []) + list(keys)
        subprocess.run(args, check=True)

    def type(self, text: str):
        self.keys(text, literal=True)

    def resize(self, width: int, height: int):
        subprocess.run(["tmux", "resize-window", "-t", self.name, "-x", str(width), "-y", str(height)], check=True)

    def wait_for(self, predicate, timeout: float = 15.0, what: str = "screen"):
        last = {"text": ""}

        def check():
            last["text"] = self.text()
            return predicate(last["text"])
        try:
            return wait_until(check, timeout, interval=0.1, what=what)
        except BaseException:
            print(f"--- screen while waiting for {what} ---\n{last['text']}")
            raise

    def wait_text(self, needle: str, timeout: float = 15.0):
        return self.wait_for(lambda t: needle in t, timeout, what=repr(needle))

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def seed_script(name: str, port: int, directory: Path) -> Path:
    """The seed script unchanged when the dashboard has 9092; otherwise only its address differs."""
    text = (SHARED_DIR / "seed" / name).read_text()
    if port != 9092:
        text = text.replace("localhost:9092", f"127.0.0.1:{port}")
    path = directory / name
    path.write_text(text)
    return path


def focus(screen: Screen, hint: str):
    """Tab until the hint bar (last line) shows `hint`, the mark of the wanted pane."""
    for _ in range(6):
        if hint in screen.text().rstrip("\n").splitlines()[-1]:
            return
        screen.keys("Tab")
        time.sleep(0.2)
    pytest.fail(f"no pane with hint {hint!r}:\n{screen.text()}")


def test_dashboard_session(tmp_path):
    port = 9092 if port_is_free(9092) else free_port()
    data = tmp_path / "data"
    status = tmp_path / "status"
    command = (f"{kappa_bin()} --listen 127.0.0.1:{port} --data-dir {data} --log-file {tmp_path / 'kappa.log'}; "
               f"rc=$?; stty -a > {status}.tty; echo EXITED rc=$rc > {status}; sleep 30")
    screen = Screen(f"kappa-e2e-{os.getpid()}", command, 120, 40)
    try:
        screen.wait_text("kafka>")
        screen.wait_text("listening on 127.0.0.1")
        assert "Kafka-Term" in screen.text() and "Producer-Term" in screen.text() and "Consumer-Term" in screen.text()

        # Kafka-Term: the seed's own command, pasted as is.
        screen.type(CREATE)
        screen.keys("Enter")
        screen.wait_text("Created topic sample.")

        # put.py from outside; Consumer-Term prints what get.py would.
        put = seed_script("put.py", port, tmp_path)
        subprocess.run([str(VENV_PY), str(put)], check=True, timeout=60, capture_output=True)
        screen.wait_for(lambda t: all(line in t for line in SEED_LINES), what="the three get.py lines")
        text = screen.text()
        assert [text.index(line) for line in SEED_LINES] == sorted(text.index(line) for line in SEED_LINES)

        # Producer-Term: a keyed send acknowledged with its partition and offset.
        focus(screen, "Enter send")
        screen.type("MYHAIR:Black")
        screen.keys("Enter")
        screen.wait_text("MYHAIR:Black → sample-0 @ 3")
        screen.wait_text("Key= MYHAIR , Value=' Black '")

        # get.py (group-1) reads everything and auto-commits; the Offsets pane then shows both groups' lag.
        get = seed_script("get.py", port, tmp_path)
        proc = subprocess.Popen([str(VENV_KP2_PY), "-u", str(get)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
        try:
            got = []
            deadline = time.monotonic() + 40
            while len(got) < 4 and time.monotonic() < deadline:
                line = proc.stdout.readline()
                if line.startswith("Key="):
                    got.append(line.strip())
            assert got == SEED_LINES + ["Key= MYHAIR , Value=' Black '"]
            # Columns: part start end, then committed and lag of each group in name order.
            row = screen.wait_for(
                lambda t: re.search(r"│\s+0\s+0\s+4\s+4\s+0\s+4\s+0\b", t), timeout=15,
                what="partition 0: end 4, group-1 committed 4 lag 0, kappa-console committed 4 lag 0")
            assert row
        finally:
            proc.terminate()
            proc.wait(10)
        line = next(line for line in screen.text().splitlines() if "group-1 lag" in line)
        header = line[line.index(" part "):]  # the Offsets pane's part of the row
        assert header.index("group-1") < header.index("kappa-console")

        # Browse: topics -> partitions -> the four records of sample partition 0.
        screen.keys("F2")
        screen.wait_text("Browse")
        screen.wait_for(lambda t: re.search(r"▶\s+0\s+0\s+4\s+4", t), what="Browse: sample partition 0 with 4 records")
        screen.keys("Enter")
        screen.wait_for(lambda t: all(k in t for k in ('"MYID"', '"MYNAME"', '"MYEYECOLOR"', '"MYHAIR"')),
                        what="the four records in Browse")
        records = [l for l in screen.text().splitlines() if re.match(r"^│\W*\s+[0-3]\s+20\d\d-", l)]
        assert len(records) == 4, screen.text()
        for _ in range(4):
            screen.keys("Escape")
            time.sleep(0.2)
        screen.wait_text("Kafka-Term")

        # Resize to 80x24 and back: still the panes, no garbage.
        screen.resize(80, 24)
        screen.wait_for(lambda t: len(t.splitlines()[0]) <= 80 and "Kafka-Term" in t and "Consumer-Term" in t,
                        what="the 80x24 layout")
        screen.resize(120, 40)
        screen.wait_for(lambda t: "Offsets" in t and len(t.splitlines()[0]) > 100, what="the 120x40 layout again")

        # q from a pane without a prompt quits; the terminal is restored.
        focus(screen, "p pause")
        screen.keys("q")
        wait_until(lambda: status.exists() and "EXITED" in status.read_text(), 15, what="kappa to exit")
        assert "EXITED rc=0" in status.read_text()
        result = (tmp_path / "status.tty").read_text()  # written before the status line
        assert re.search(r"(?<!-)icanon", result) and re.search(r"(?<!-)echo\b", result), "terminal not restored"
    finally:
        screen.close()
