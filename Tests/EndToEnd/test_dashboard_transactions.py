"""Transactions in the dashboard (issue 11, acceptance 5): `kappa` in tmux, driven with send-keys only.

Producer-Term sends two lines in a transaction that it aborts: a read_committed Consumer-Term shows
neither, a read_uncommitted one shows both; a committed transaction then shows in both. While the first
transaction is open, Offsets shows the LSO behind the end and Kafka-Term's `kafka-transactions.sh ... list`
prints Producer-Term's transactional id. Browse then marks the aborted records and, after `x`, shows
the COMMIT and ABORT control records.
"""
from __future__ import annotations

import os
import re
import shutil
import time

import pytest

from e2e import free_port, kappa_bin, wait_until
from test_dashboard import Screen, focus

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

CREATE = ("bin/kafka-topics.sh --create --replication-factor 1 --partitions 1 "
          "--bootstrap-server localhost:9092 --topic sample")


def consumer_pane(text: str) -> str:
    """The Consumer-Term pane: from its title to the hint bar."""
    start = text.find("┌ Consumer-Term")
    return text[start:] if start >= 0 else ""


def consumer_title(text: str) -> str:
    return next((line for line in text.splitlines() if "┌ Consumer-Term" in line), "")


def enter(screen: Screen, line: str):
    screen.type(line)
    screen.keys("Enter")


def consumer_command(screen: Screen, command: str):
    focus(screen, "p pause")
    screen.type(":")
    time.sleep(0.2)
    enter(screen, command)


def value(v: str) -> str:
    return f"Value=' {v} '"


def test_transactions_in_the_dashboard(tmp_path):
    port = free_port()
    status = tmp_path / "status"
    command = (f"{kappa_bin()} --listen 127.0.0.1:{port} --data-dir {tmp_path / 'data'} "
               f"--log-file {tmp_path / 'kappa.log'}; echo EXITED rc=$? > {status}; sleep 30")
    screen = Screen(f"kappa-e2e-txn-{os.getpid()}", command, 120, 40)
    try:
        screen.wait_text("kafka>")
        enter(screen, CREATE)
        screen.wait_text("Created topic sample.")

        # An aborted transaction of two lines.
        focus(screen, "Enter send")
        enter(screen, ":txn begin")
        screen.wait_text("txn open · 0 lines")
        enter(screen, "t1:aborted-1")
        enter(screen, "t1:aborted-2")
        screen.wait_text("txn open · 2 lines")
        screen.wait_text("t1:aborted-2 → sample-0 @ 1", timeout=30)

        # Offsets: end 2, LSO 0, one open transaction (part start end lso txn ...).
        screen.wait_for(lambda t: re.search(r"part\s+start\s+end\s+lso\s+txn", t)
                        and re.search(r"│\s+0\s+0\s+2\s+0\s+1\b", t), timeout=20,
                        what="Offsets: partition 0 end 2, lso 0, 1 open transaction")

        # Kafka-Term: Kafka's own tool, pasted as is, lists Producer-Term's transactional id.
        focus(screen, "Enter run")
        enter(screen, f"bin/kafka-transactions.sh --bootstrap-server localhost:{port} list")
        screen.wait_for(lambda t: re.search(r"kappa-producer-term-[0-9a-f]+\s+1\s+\d+\s+Ongo", t), timeout=20,
                        what="the producer-term's transactional id, Ongoing")
        assert re.search(r"TransactionalId\s+Coordinator\s+ProducerId\s+Tran", screen.text())

        focus(screen, "Enter send")
        enter(screen, ":txn abort")
        screen.wait_text("transaction aborted", timeout=30)
        assert "txn open" not in screen.text()
        # A plain line after the abort: once the read_committed console shows it, it has read past the aborted ones.
        enter(screen, "plain:after-abort")
        screen.wait_text("plain:after-abort → sample-0 @ 3", timeout=30)
        screen.wait_for(lambda t: value("after-abort") in consumer_pane(t), timeout=30,
                        what="the plain line in the read_committed Consumer-Term")
        pane = consumer_pane(screen.text())
        assert value("aborted-1") not in pane and value("aborted-2") not in pane, pane
        assert "read_uncommitted" not in consumer_title(screen.text())

        # read_uncommitted (a new group, so it reads from the start): the aborted lines are there.
        consumer_command(screen, "isolation read_uncommitted")
        screen.wait_for(lambda t: "read_uncommitted" in consumer_title(t), what="read_uncommitted in the title")
        consumer_command(screen, "group txn-uncommitted")
        screen.wait_for(lambda t: all(value(v) in consumer_pane(t) for v in ("aborted-1", "aborted-2", "after-abort")),
                        timeout=30, what="aborted and plain lines at read_uncommitted")

        # A committed transaction shows at read_uncommitted...
        focus(screen, "Enter send")
        enter(screen, ":txn begin")
        screen.wait_text("txn open · 0 lines")
        enter(screen, "t2:committed-1")
        screen.wait_text("txn open · 1 line")
        enter(screen, ":txn commit")
        screen.wait_text("transaction committed", timeout=30)
        screen.wait_for(lambda t: value("committed-1") in consumer_pane(t), timeout=30,
                        what="the committed line at read_uncommitted")

        # ...and at read_committed, where the aborted ones still do not.
        consumer_command(screen, "isolation read_committed")
        screen.wait_for(lambda t: "read_uncommitted" not in consumer_title(t), what="read_committed again")
        consumer_command(screen, "group txn-committed")
        screen.wait_for(lambda t: all(value(v) in consumer_pane(t) for v in ("after-abort", "committed-1")),
                        timeout=30, what="plain and committed lines at read_committed")
        pane = consumer_pane(screen.text())
        assert value("aborted-1") not in pane and value("aborted-2") not in pane, pane

        # Offsets: no transaction open any more, so no LSO column.
        screen.wait_for(lambda t: not re.search(r"part\s+start\s+end\s+lso", t), timeout=20,
                        what="Offsets without the lso column")

        # Browse sample-0: offsets 0-1 aborted, 2 ABORT marker, 3 plain, 4 committed, 5 COMMIT marker.
        screen.keys("F2")
        screen.wait_for(lambda t: re.search(r"▶\s+0\s+0\s+6\s+6", t), what="Browse: sample partition 0 up to 6")
        screen.keys("Enter")
        screen.wait_for(lambda t: re.search(r"offset\s+timestamp\s+txn\s+key", t)
                        and re.search(r"\b0\s+20\d\d-\S+ \S+\s+aborted\s+\"t1\"", t)
                        and re.search(r"\b1\s+20\d\d-\S+ \S+\s+aborted\s+\"t1\"", t), timeout=20,
                        what="Browse marks offsets 0 and 1 aborted")
        text = screen.text()
        assert re.search(r"\b4\s+20\d\d-\S+ \S+\s+\"t2\"", text), text  # committed: no mark
        assert "ABORT" not in text and "COMMIT" not in text
        screen.keys("x")
        screen.wait_for(lambda t: re.search(r"\b2\s+20\d\d-\S+ \S+\s+ABORT\s+── control record", t)
                        and re.search(r"\b5\s+20\d\d-\S+ \S+\s+COMMIT\s+── control record", t),
                        what="the ABORT and COMMIT markers after x")
        for _ in range(3):
            screen.keys("Escape")
            time.sleep(0.2)
        screen.wait_text("Kafka-Term")

        focus(screen, "p pause")
        screen.keys("q")
        wait_until(lambda: status.exists() and "EXITED" in status.read_text(), 20, what="kappa to exit")
        assert "EXITED rc=0" in status.read_text()
    finally:
        screen.close()
