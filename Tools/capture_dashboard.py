#!/usr/bin/env python3
"""Takes the README's text capture of the dashboard: `kappa` in tmux at 120x40, the course exercise
played through it, then `tmux capture-pane -p` of the main screen and of Browse.

    .venv/bin/python Tools/capture_dashboard.py            # writes docs/*.txt and updates README.md
    KAPPA_BIN=.build/release/kappa Tools/capture_dashboard.py --no-readme

The flow is the end-to-end test's (Tests/EndToEnd/test_dashboard.py), driven only with send-keys:
  1. the seed's create-topic command pasted into Kafka-Term;
  2. ../shared/seed/put.py run from outside (.venv, kafka-python 3.x) with its address rewritten to the
     dashboard's port; Consumer-Term prints the three get.py-style lines;
  3. `MYHAIR:Black` sent from Producer-Term (its partition and offset come back);
  4. ../shared/seed/get.py run briefly (.venv-kp2, kafka-python 2.0.2) so group-1 appears in Offsets;
  5. capture of the main screen (focus back on Kafka-Term) -> docs/dashboard-120x40.txt and the README,
     between <!-- dashboard-capture:start --> and <!-- dashboard-capture:end -->;
  6. F2, Enter: Browse at sample partition 0 -> docs/browse-120x40.txt;
  7. Ctrl-C; kappa must exit with status 0.

kappa runs in a fresh temporary directory with `--data-dir kappa-data`, so the title shows what
`make run` shows; the port is a free one (never 9092, which the seed test wants). Timestamps and the
port differ from run to run. Exit status: 0 written, 1 a step failed (the screen is printed).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
VENV_PY = ROOT / ".venv" / "bin" / "python"
VENV_KP2_PY = ROOT / ".venv-kp2" / "bin" / "python"
WIDTH, HEIGHT = 120, 40
START, END = "<!-- dashboard-capture:start -->", "<!-- dashboard-capture:end -->"
CREATE = ("bin/kafka-topics.sh --create --replication-factor 1 --partitions 1 "
          "--bootstrap-server localhost:9092 --topic sample")
SEED_LINES = [
    "Key= MYID , Value=' A20545137 '",
    "Key= MYNAME , Value=' Deep Pawar '",
    "Key= MYEYECOLOR , Value=' Brown '",
]


# What goes between the README markers before the capture itself.
CAPTION = """## The dashboard

`kappa` with no subcommand starts the broker and this dashboard in one process. Below is a real
`tmux capture-pane` of it at 120x40 after the course exercise: the seed's create-topic command pasted
into Kafka-Term, `put.py` run from outside, `MYHAIR:Black` sent from Producer-Term, `get.py` run once
(so `group-1` appears in Offsets). `Tools/capture_dashboard.py` replays that flow and rewrites this
block and `docs/` (`docs/browse-120x40.txt` is Browse at `sample` partition 0); run it after changing
the dashboard. The port and the times differ from run to run.
"""


class StepFailed(Exception):
    pass


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 9092:
            return port


class Screen:
    """One tmux session running one command; driven with send-keys, read with capture-pane."""

    def __init__(self, name: str, command: str, cwd: Path):
        self.name = name
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT),
                        "-c", str(cwd), command], check=True)

    def text(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def keys(self, *keys: str, literal: bool = False):
        subprocess.run(["tmux", "send-keys", "-t", self.name] + (["-l"] if literal else []) + list(keys), check=True)

    def type(self, text: str):
        self.keys(text, literal=True)

    def hint_bar(self) -> str:
        lines = self.text().rstrip("\n").splitlines()
        return lines[-1] if lines else ""

    def wait_for(self, predicate, what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise StepFailed(f"timed out after {timeout:.0f} s waiting for {what}; screen:\n{text}")

    def wait_text(self, needle: str, timeout: float = 20.0) -> str:
        return self.wait_for(lambda t: needle in t, repr(needle), timeout)

    def focus(self, hint: str):
        """Tab until the hint bar shows `hint`, the mark of the wanted pane."""
        for _ in range(6):
            if hint in self.hint_bar():
                return
            self.keys("Tab")
            time.sleep(0.2)
        raise StepFailed(f"no pane with hint {hint!r}:\n{self.text()}")

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def seed_script(name: str, port: int, directory: Path) -> Path:
    text = (SHARED / "seed" / name).read_text().replace("localhost:9092", f"127.0.0.1:{port}")
    path = directory / name
    path.write_text(text)
    return path


def tidy(capture: str) -> str:
    return "\n".join(line.rstrip() for line in capture.rstrip("\n").splitlines()) + "\n"


def capture(kappa: Path, work: Path, log) -> tuple[str, str]:
    port = free_port()
    status = work / "status"
    command = (f"{kappa} --listen 127.0.0.1:{port} --data-dir kappa-data --themes-dir {ROOT / 'Themes'} "
               f"--log-file {work / 'kappa.log'}; echo EXITED rc=$? > {status}; sleep 30")
    screen = Screen(f"kappa-capture-{os.getpid()}", command, work)
    try:
        log(f"kappa on 127.0.0.1:{port} in {work}")
        screen.wait_text("kafka>")
        screen.wait_text("listening on 127.0.0.1")

        log("Kafka-Term: the seed's create-topic command")
        screen.type(CREATE)
        screen.keys("Enter")
        screen.wait_text("Created topic sample.")

        log("put.py (.venv)")
        put = seed_script("put.py", port, work)
        subprocess.run([str(VENV_PY), str(put)], check=True, timeout=60, capture_output=True)
        screen.wait_for(lambda t: all(line in t for line in SEED_LINES), "the three get.py lines in Consumer-Term")

        log("Producer-Term: MYHAIR:Black")
        screen.focus("Enter send")
        screen.type("MYHAIR:Black")
        screen.keys("Enter")
        screen.wait_text("MYHAIR:Black → sample-0 @ 3")
        screen.wait_text("Key= MYHAIR , Value=' Black '")

        log("get.py (.venv-kp2) until group-1 has committed")
        get = seed_script("get.py", port, work)
        proc = subprocess.Popen([str(VENV_KP2_PY), "-u", str(get)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            # Offsets columns: part start end, then committed and lag of each group in name order.
            screen.wait_for(lambda t: re.search(r"│\s+0\s+0\s+4\s+4\s+0\s+4\s+0\b", t),
                            "Offsets: group-1 and kappa-console both at 4, lag 0", timeout=40)
        finally:
            proc.terminate()
            proc.wait(10)

        screen.focus("Enter run")  # Kafka-Term, as at start
        time.sleep(1.5)  # one more offsets refresh, so the rate column has settled on this second
        main = tidy(screen.text())

        log("Browse: sample partition 0")
        screen.keys("F2")
        screen.wait_for(lambda t: re.search(r"▶\s+0\s+0\s+4\s+4", t), "Browse: sample partition 0")
        screen.keys("Enter")
        screen.wait_for(lambda t: all(k in t for k in ('"MYID"', '"MYNAME"', '"MYEYECOLOR"', '"MYHAIR"')),
                        "the four records in Browse")
        time.sleep(0.3)
        browse = tidy(screen.text())

        log("Ctrl-C")
        screen.keys("C-c")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (status.exists() and "EXITED" in status.read_text()):
            time.sleep(0.1)
        result = status.read_text().strip() if status.exists() else "no exit status (still running?)"
        if result != "EXITED rc=0":
            raise StepFailed(f"kappa did not exit cleanly after Ctrl-C: {result}")
        return main, browse
    finally:
        screen.close()


def splice_readme(readme: Path, main: str):
    text = readme.read_text()
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise StepFailed(f"{readme} has no {START} ... {END} markers")
    block = f"{START}\n{CAPTION}\n```text\n{main}```\n{END}"
    readme.write_text(text[:start] + block + text[end + len(END):])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs", help="where the .txt captures go (docs/)")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--no-readme", action="store_true", help="write docs/*.txt only")
    args = parser.parse_args()

    kappa = Path(os.environ.get("KAPPA_BIN", ".build/debug/kappa"))
    kappa = kappa if kappa.is_absolute() else ROOT / kappa
    missing = [str(p) for p in (kappa, VENV_PY, VENV_KP2_PY, SHARED / "seed" / "put.py") if not p.exists()]
    if shutil.which("tmux") is None:
        missing.append("tmux")
    if missing:
        print("capture_dashboard: missing " + ", ".join(missing) + " (make setup; swift build)", file=sys.stderr)
        return 1

    def log(message: str):
        print(f"[capture] {message}", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="kappa-capture.") as tmp:
        try:
            main_screen, browse = capture(kappa, Path(tmp), log)
        except (StepFailed, subprocess.SubprocessError) as error:
            print(f"capture_dashboard: {error}", file=sys.stderr)
            log_file = Path(tmp) / "kappa.log"
            if log_file.exists():
                print("--- kappa.log (last lines) ---\n" + "\n".join(log_file.read_text().splitlines()[-20:]),
                      file=sys.stderr)
            return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / f"dashboard-{WIDTH}x{HEIGHT}.txt").write_text(main_screen)
    (args.out_dir / f"browse-{WIDTH}x{HEIGHT}.txt").write_text(browse)
    log(f"wrote {args.out_dir / f'dashboard-{WIDTH}x{HEIGHT}.txt'} and {args.out_dir / f'browse-{WIDTH}x{HEIGHT}.txt'}")
    if not args.no_readme:
        try:
            splice_readme(args.readme, main_screen)
        except StepFailed as error:
            print(f"capture_dashboard: {error}", file=sys.stderr)
            return 1
        log(f"updated {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
