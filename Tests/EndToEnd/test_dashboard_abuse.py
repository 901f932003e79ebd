"""The dashboard under abuse, in a real terminal (tmux, send-keys and capture-pane only).

Hostile keys and values from a real client (NUL, escape sequences, C1 controls, invalid UTF-8, encoded
surrogates, combining marks, wide and joined emoji, bidi overrides, long lines), a 1 MB value, a
10,000-character paste into both prompts, a 20x6 terminal and rapid resizes while records stream in. After
each: no crash, every screen row exactly as wide as the terminal with its borders in place, no escape
sequence of the data reaching the terminal (no colour, no title change), and a key press still answered.
KAPPA_SOAK=N multiplies the resize storm (make soak).
"""
from __future__ import annotations

import ctypes
import locale
import os
import random
import re
import subprocess
import threading
import time

import pytest

from e2e import free_port, kappa_bin, wait_until
from test_dashboard import Screen

pytestmark = pytest.mark.skipif(subprocess.run(["which", "tmux"], capture_output=True).returncode != 0,
                                reason="tmux is not installed")

SOAK = int(os.environ.get("KAPPA_SOAK", "0") or "0")

# glibc's wcwidth, as curses and tmux measure: the screen is checked with the terminal's own ruler.
locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
_libc = ctypes.CDLL(None)
_libc.wcwidth.argtypes = [ctypes.c_wchar]
_libc.wcwidth.restype = ctypes.c_int

HOSTILE = [
    (b"nul\x00key", b"a\x00b\x00c"),
    (b"esc", b"\x1b[2J\x1b[31mRED\x1b[0m\x1b[H"),
    (b"osc", b"\x1b]0;pwned-title\x07after\x1b]2;other\x1b\\"),
    (b"reset", b"\x1bc\x1b[?1049l\x1b[?25h\x1b[10;10r\x1b#8"),
    (b"c1", "x\u0085y\u009bz\u009d\u0090q\u009c".encode()),
    (b"bad-utf8", b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x82\xf0\x9f"),
    (b"surrogates", b"\xed\xa0\x80\xed\xb0\x80\xed\xbf\xbf"),
    (b"combining", "e\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308 Z\u0337\u0322\u031b\u0317\u031e\u0345".encode()),
    ("wide-漢字".encode(), "漢字テスト中文😀👨‍👩‍👧❤️🇫🇷👍🏽🏳️‍🌈".encode()),
    (b"rtl", "\u202eevil\u202c שלום עולם مرحبا \u2067x\u2069".encode()),
    (b"indic", "नमस्ते का क्षत्रिय".encode()),
    (b"invisible", "a\u200bb\u00adc\ufeffd\u2028e\u2029f\u061c".encode()),
    (b"new-in-unicode-15", "\U0001fae8\U00031350\u0378\uffff".encode()),
    (b"long", b"L" * 5000 + b"\x1b[31mtail"),
    ("κλειδί".encode(), b"\t\r\n\x08\x7f\x01end"),
]
BORDER_LEFT = set("┌│└")
BORDER_RIGHT = set("┐│┘")


def cell_width(text: str) -> int:
    total = 0
    for ch in text:
        w = _libc.wcwidth(ch)
        assert w >= 0, f"unprintable U+{ord(ch):04X} reached the terminal in {text!r}"
        total += w
    return total


def columns(line: str) -> list[str]:
    """The line as the terminal's cells: a wide character and an empty continuation."""
    cells: list[str] = []
    for ch in line:
        w = _libc.wcwidth(ch)
        if w == 0 and cells:
            cells[-1] += ch
        elif w == 2:
            cells += [ch, ""]
        else:
            cells.append(ch)
    return cells


class Dashboard:
    """`kappa` with its broker in memory, in a tmux session of its own; its exit status lands in a file."""

    def __init__(self, tmp_path, name: str, width: int = 120, height: int = 40, topic: str = "abuse"):
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.topic = topic
        self.status = tmp_path / f"{name}.status"
        self.width, self.height = width, height
        command = (f"{kappa_bin()} --listen {self.bootstrap} --memory --topic {topic} "
                   f"--log-file {tmp_path / (name + '.log')}; rc=$?; stty -a > {self.status}.tty; "
                   f"echo EXITED rc=$rc > {self.status}; sleep 30")
        try:
            self.screen = Screen(f"kappa-abuse-{name}-{os.getpid()}", command, width, height)
        except subprocess.CalledProcessError:
            # The previous test's kill-session may have left the tmux server on its way out: once more.
            time.sleep(1)
            self.screen = Screen(f"kappa-abuse-{name}-{os.getpid()}", command, width, height)
        self.title = self.pane("#{pane_title}")
        self.latencies: list[float] = []

    def pane(self, fmt: str) -> str:
        out = subprocess.run(["tmux", "display", "-p", "-t", self.screen.name, fmt], capture_output=True, text=True)
        return out.stdout.strip()

    def pid(self) -> int:
        """The kappa process: the child of the pane's shell."""
        shell = int(self.pane("#{pane_pid}"))
        children = open(f"/proc/{shell}/task/{shell}/children").read().split()
        assert children, "kappa is not running"
        return int(children[0])

    def rss_mb(self) -> float:
        for line in open(f"/proc/{self.pid()}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def capture(self, escapes: bool = False) -> list[str]:
        args = ["tmux", "capture-pane", "-p", "-N", "-t", self.screen.name] + (["-e"] if escapes else [])
        out = subprocess.run(args, capture_output=True, text=True, errors="surrogateescape")
        return out.stdout.split("\n")[:-1]

    def resize(self, width: int, height: int):
        self.width, self.height = width, height
        self.screen.resize(width, height)

    def problems(self, layout: bool = True) -> list[str]:
        """What is wrong with the screen now: rows of the wrong width, broken borders, stray escapes."""
        found = []
        rows = self.capture()
        if len(rows) != self.height:
            found.append(f"{len(rows)} rows, not {self.height}")
        for y, row in enumerate(rows):
            bad = [c for c in row if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xDC80 <= ord(c) <= 0xDCFF]
            if bad:
                found.append(f"row {y}: control characters {bad!r}")
                continue
            # Cells curses cleared rather than wrote are empty, and capture-pane leaves them out.
            if cell_width(row) > self.width or (layout and cell_width(row) != self.width):
                found.append(f"row {y} is {cell_width(row)} cells wide: {row!r}")
            elif layout and y < self.height - 1:
                cells = columns(row)
                if cells[0] not in BORDER_LEFT or cells[-1] not in BORDER_RIGHT:
                    found.append(f"row {y}: border missing: {row!r}")
        # A capture taken mid-redraw can have an empty first row: that is "not clean yet", not a crash.
        if layout and rows and not (columns(rows[0])[:1] == ["┌"] and len(rows) > 1 and "└" in rows[-2]):
            found.append("no box at the top and bottom")
        # With -e: only colour and attribute changes (SGR), none of the data's red, and the title unchanged.
        styled = "\n".join(self.capture(escapes=True))
        for seq in re.findall(r"\x1b[^m]*m|\x1b.", styled):
            if not re.fullmatch(r"\x1b\[[0-9;]*m", seq):
                found.append(f"escape sequence {seq!r} on screen")
            elif re.search(r"[\[;](31|41)(;|m)", seq):
                found.append(f"the data's red {seq!r} on screen")
        if self.pane("#{pane_title}") != self.title:
            found.append(f"pane title changed to {self.pane('#{pane_title}')!r}")
        return found

    def assert_clean(self, what: str, layout: bool = True, timeout: float = 10.0):
        """Waits for the next redraw to leave a clean screen (a frame may be under way)."""
        last: list[str] = []

        def clean():
            last[:] = self.problems(layout)
            return not last
        try:
            wait_until(clean, timeout, interval=0.2, what=f"a clean screen: {what}")
        except BaseException:
            print("\n".join(last))
            print("\n".join(self.capture()))
            raise

    def responsive(self, key: str, timeout: float = 5.0):
        """A key press changes the screen within `timeout` seconds."""
        before = self.capture()
        start = time.monotonic()
        self.screen.keys(key)
        wait_until(lambda: self.capture() != before, timeout, interval=0.05, what=f"the screen to answer {key}")
        self.latencies.append(time.monotonic() - start)

    def focus(self, hint: str):
        """Tab until the hint bar shows `hint`, waiting for each Tab to be drawn (a busy dashboard is slow)."""
        for _ in range(6):
            last = self.capture()[-1]
            if hint in last:
                return
            self.screen.keys("Tab")
            wait_until(lambda: self.capture()[-1] != last, 10, interval=0.05, what="the focus to move")
        pytest.fail(f"no pane with hint {hint!r}:\n" + "\n".join(self.capture()))

    def quit(self, key: str = "C-c"):
        self.screen.keys(key)
        wait_until(lambda: self.status.exists() and "EXITED" in self.status.read_text(), 20,
                   what="the dashboard to exit")
        assert "EXITED rc=0" in self.status.read_text()
        tty = self.status.with_name(self.status.name + ".tty").read_text()
        assert re.search(r"(?<!-)icanon", tty) and re.search(r"(?<!-)echo\b", tty), "terminal not restored"

    def close(self):
        if self.latencies:
            print(f"{len(self.latencies)} key presses answered in at most {max(self.latencies):.2f} s")
        self.screen.close()


def produce(bootstrap: str, topic: str, records, **conf):
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, **conf})
    for key, value in records:
        p.produce(topic, key=key, value=value)
    assert p.flush(60) == 0


def kcat_values(bootstrap: str, topic: str, offset: int) -> bytes:
    out = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", str(offset), "-c", "1", "-e",
                          "-D", "", "-f", "%s"], capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout


def paste(screen: Screen, text: str):
    """Pastes through a tmux buffer (bracketed if the application asked for it), as a terminal paste."""
    subprocess.run(["tmux", "set-buffer", "-b", "abuse", "--", text], check=True)
    subprocess.run(["tmux", "paste-buffer", "-p", "-d", "-b", "abuse", "-t", screen.name], check=True)


def test_hostile_keys_and_values(tmp_path):
    d = Dashboard(tmp_path, "hostile")
    try:
        d.screen.wait_text("kafka>")
        d.screen.wait_text("waiting for messages on abuse")
        produce(d.bootstrap, "abuse", HOSTILE)
        d.screen.wait_text(f"· {len(HOSTILE)} msgs")
        d.screen.wait_text("Key= κλειδί , Value=' \\t\\r\\n\\x08\\x7f\\x01end '")
        text = "\n".join(d.capture())
        assert "x\\u0085y\\u009bz" in text and "\\u202eevil\\u202c" in text
        assert "漢字テスト中文😀👨👩👧❤🇫🇷👍🏽" in text  # joiners and variation selectors left out
        assert "b'\\xed\\xa0\\x80" in text and "\\u{1fae8}" not in text
        d.assert_clean("Consumer-Term with hostile records")
        # Still answering keys: Consumer-Term pauses and resumes.
        d.focus("p pause")
        d.responsive("p")
        d.screen.wait_text("paused")
        d.screen.keys("p")
        # Browse: the partition, the list of records, then every record in detail (hex for the binary ones).
        d.screen.keys("F2")
        d.screen.wait_for(lambda t: re.search(r"▶\s+0\s+0\s+15\s+15", t), what="partition 0 with 15 records")
        d.screen.keys("Enter")
        d.screen.wait_text("offset  timestamp")
        d.screen.wait_text("κλειδί")
        text = "\n".join(d.capture())
        assert "\\x1b[2J\\x1b[31mRED" in text and "\\x1b]0;pwned-title\\x07" in text and "nul\\x00key" in text
        d.assert_clean("Browse records")
        d.screen.keys("Enter")
        d.screen.wait_text("key (binary, 7 bytes)")
        d.screen.wait_text("6e 75 6c 00 6b 65 79")
        seen = set()
        for i in range(len(HOSTILE)):
            d.assert_clean(f"Browse record {i}")
            seen.add(next((l for l in d.capture() if "· offset " in l), ""))
            if i < len(HOSTILE) - 1:
                d.responsive("n")
        assert len(seen) == len(HOSTILE), seen
        d.screen.keys("F2")
        d.screen.wait_text("Consumer-Term")
        d.assert_clean("back from Browse")
        d.quit()
    finally:
        d.close()


def test_one_megabyte_value(tmp_path):
    d = Dashboard(tmp_path, "megabyte")
    try:
        d.screen.wait_text("waiting for messages on abuse")
        time.sleep(1)
        before = d.rss_mb()
        text_value = (b"0123456789abcdef" * 62_500)  # 1,000,000 bytes, one line
        binary_value = random.Random(7).randbytes(1_000_000)
        produce(d.bootstrap, "abuse", [(b"big-text", text_value), (b"big-binary", binary_value), (b"after", b"small")],
                **{"message.max.bytes": 4_000_000})
        d.screen.wait_text("Key= after , Value=' small '", timeout=30)
        text = "\n".join(d.capture())
        assert "Key= big-text , Value=' 0123456789abcdef0123" in text
        assert text.count("…") >= 2
        d.assert_clean("Consumer-Term with 1 MB values")
        d.focus("p pause")
        d.responsive("p")
        d.screen.keys("p")
        # Browse: the list shows the sizes; the binary value's hex dump pages to its end.
        d.screen.keys("F2")
        d.screen.wait_for(lambda t: re.search(r"▶\s+0\s+0\s+3\s+3", t), what="partition 0 with 3 records")
        d.screen.keys("Enter")
        d.screen.wait_for(lambda t: re.search(r"big-binary\s+b'8\\xb4", t), what="the 1 MB values listed")
        d.assert_clean("Browse records of 1 MB")
        d.screen.keys("Enter")
        d.screen.wait_text("value (text, 1000000 bytes, the first 65536 shown)")
        d.assert_clean("a 1 MB text value, wrapped")
        d.responsive("PageDown")
        d.screen.keys("n")
        d.screen.wait_text("value (binary, 1000000 bytes)")
        for _ in range(30):
            d.responsive("PageDown")
        rows = [l for l in d.capture() if re.match(r"^│\s+[0-9a-f]{4,}  [0-9a-f]{2} ", l)]
        assert rows and int(rows[0].split()[1], 16) > 0x2000, rows[:1]
        d.assert_clean("paged into a 1 MB hex dump")
        after = d.rss_mb()
        print(f"kappa RSS {before:.0f} MB before, {after:.0f} MB after two 1 MB values")
        assert after - before < 150, f"RSS grew from {before:.0f} MB to {after:.0f} MB"
        d.quit()
    finally:
        d.close()


def test_ten_thousand_character_paste(tmp_path):
    d = Dashboard(tmp_path, "paste")
    try:
        d.screen.wait_text("waiting for messages on abuse")
        # Producer-Term, string serializer so the value arrives as typed.
        d.focus("Enter send")
        d.screen.type(":serializer string")
        d.screen.keys("Enter")
        d.screen.wait_text("serializer → string")
        body = "".join(random.Random(3).choice("abcdefghij klmnopé漢字ü") for _ in range(9_993))
        value = body + "<<END>>"
        assert len(value) == 10_000
        paste(d.screen, "big:" + value)
        d.screen.wait_text("<<END>>", timeout=30)
        d.assert_clean("a 10,000-character line in the Producer-Term prompt")
        d.screen.keys("Enter")
        d.screen.wait_for(lambda t: re.search(r"→ abuse-0 @ 0", t), timeout=30, what="the delivery report")
        assert kcat_values(d.bootstrap, "abuse", 0) == value.encode()
        d.screen.wait_text("Key= big , Value=' ")
        d.assert_clean("the 10,000-character send")
        # Kafka-Term: a 10,000-character command is refused with one clear line.
        d.focus("Enter run")
        paste(d.screen, "create " + "t" * 9_993)
        d.screen.wait_for(lambda t: re.search(r"kafka> t{40,}", t), what="the pasted command in the prompt")
        d.screen.keys("Enter")
        d.screen.wait_text("Error: command too long (10000 characters, at most 4096)")
        d.assert_clean("the refused command")
        d.screen.type("list")
        d.screen.keys("Enter")
        d.screen.wait_for(lambda t: re.search(r"│abuse\s", t), what="Kafka-Term still running commands")
        # Bracketed paste: a paste into Consumer-Term (no prompt) is ignored, its "q", Tab and newline included.
        d.focus("p pause")
        paste(d.screen, "q\tq\nq" * 100)
        d.responsive("p")
        d.screen.wait_text("paused")
        assert not d.status.exists(), "a pasted q quit the dashboard"
        assert "p resume" in d.capture()[-1], "a pasted Tab moved the focus"
        d.quit()
    finally:
        d.close()


def test_twenty_by_six_terminal(tmp_path):
    d = Dashboard(tmp_path, "tiny", width=20, height=6)
    try:
        d.screen.wait_text("small:")
        d.assert_clean("the too-small message at 20x6", layout=False)
        words = " ".join(" ".join(d.capture()).split())
        assert words == "Terminal too small: 20x6, need at least 60x16", words
        d.resize(120, 40)
        d.screen.wait_text("Consumer-Term")
        d.assert_clean("120x40 after 20x6")
        d.resize(20, 6)
        d.screen.wait_text("20x6,")
        d.assert_clean("20x6 again", layout=False)
        d.resize(120, 40)
        d.screen.wait_text("Kafka-Term")
        d.assert_clean("120x40 again")
        d.quit()
    finally:
        d.close()


@pytest.mark.soak
def test_rapid_resizes_while_records_stream(tmp_path):
    resizes = 150 * max(1, SOAK * 20)
    d = Dashboard(tmp_path, "resize")
    stop = threading.Event()
    sent = [0]

    def stream():
        from confluent_kafka import Producer

        p = Producer({"bootstrap.servers": d.bootstrap, "linger.ms": 2})
        while not stop.is_set():
            key, value = HOSTILE[sent[0] % len(HOSTILE)]
            p.produce("abuse", key=key, value=value)
            sent[0] += 1
            p.poll(0)
            time.sleep(0.005)
        p.flush(30)

    producer = threading.Thread(target=stream, daemon=True)
    try:
        d.screen.wait_text("waiting for messages on abuse")
        producer.start()
        sizes = [(20, 6), (1, 1), (200, 60), (59, 16), (80, 24), (5, 3), (120, 40), (300, 90), (60, 16), (100, 24)]
        rng = random.Random(11)
        start = time.monotonic()
        for i in range(resizes):
            d.resize(*sizes[i % len(sizes)])
            time.sleep(rng.uniform(0, 0.03))  # sometimes mid-frame, sometimes after one
            if i % 10 == 9:
                d.screen.keys("Tab")
        took = time.monotonic() - start
        stop.set()
        producer.join(60)
        print(f"{resizes} resizes in {took:.1f} s while {sent[0]} records streamed in")
        d.resize(120, 40)
        d.screen.wait_text("Consumer-Term")
        d.assert_clean("120x40 after the resize storm", timeout=20)
        assert d.pid() > 0
        d.focus("p pause")
        d.responsive("p")
        d.quit("q")
    finally:
        stop.set()
        d.close()
