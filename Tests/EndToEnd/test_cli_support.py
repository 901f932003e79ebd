"""Helpers for the headless-command tests (test_cli*.py): run `kappa <command>` as a real process with
bounded time, and check the two shapes of result every command has: success (exit 0, nothing on
stderr, output on stdout) or failure (exit != 0, nothing on stdout, exactly one `kappa: ...` line on
stderr). No tests in here."""
from __future__ import annotations

import json
import os
import subprocess
import time

from e2e import kappa_bin

RUN_TIMEOUT = 30.0  # seconds any single command may take; the commands' own waits are shorter


class Run:
    """A finished `kappa` process: argv, exit code, raw stdout/stderr, elapsed seconds."""

    def __init__(self, argv, proc: subprocess.CompletedProcess, elapsed: float):
        self.argv = argv
        self.returncode = proc.returncode
        self.stdout: bytes = proc.stdout
        self.stderr: bytes = proc.stderr
        self.elapsed = elapsed

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")

    def lines(self) -> list[str]:
        return self.out.splitlines()

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.lines()]

    def describe(self) -> str:
        return (f"$ {' '.join(self.argv)}\nexit {self.returncode} after {self.elapsed:.1f} s\n"
                f"--- stdout ---\n{self.out[-3000:]}\n--- stderr ---\n{self.err[-3000:]}")


def kappa(*args, bootstrap: str | None = None, input: bytes | str | None = None,
          timeout: float = RUN_TIMEOUT, env: dict | None = None) -> Run:
    """Runs `kappa ARGS [--bootstrap-server B]` with stdin from `input` (empty when None)."""
    argv = [str(kappa_bin()), *map(str, args)]
    if bootstrap:
        argv += ["--bootstrap-server", bootstrap]
    if isinstance(input, str):
        input = input.encode()
    started = time.monotonic()
    proc = subprocess.run(argv, input=input if input is not None else b"", capture_output=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    run = Run(argv, proc, time.monotonic() - started)
    if os.environ.get("CLI_TIMING"):
        print(f"{run.elapsed:6.2f}s {' '.join(argv[1:6])}")
    return run


def ok(run: Run) -> Run:
    """Asserts success: exit 0 and a silent stderr (no progress, no logs in piped output)."""
    assert run.returncode == 0 and run.stderr == b"", run.describe()
    return run


def one_line_error(run: Run, *fragments: str) -> str:
    """Asserts failure: exit != 0, no stdout, exactly one `kappa: ` line on stderr containing each
    fragment (case-insensitive). Returns that line."""
    lines = run.err.splitlines()
    assert run.returncode != 0, run.describe()
    assert run.stdout == b"", run.describe()
    assert len(lines) == 1 and lines[0].startswith("kappa: "), run.describe()
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), run.describe()
    return lines[0]


def table(run: Run) -> list[dict]:
    """The rows of a Kafka-tool table (header line in capitals, two-space separated columns)."""
    lines = [line for line in run.lines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("GROUP "))
    header = lines[start].split()
    return [dict(zip(header, line.split())) for line in lines[start + 1:] if not line.startswith("(")]


def message_tuple(m):
    """What export/import must preserve of a confluent_kafka.Message."""
    return (m.partition(), m.offset(), m.key(), m.value(), m.headers() or [], m.timestamp()[1])
