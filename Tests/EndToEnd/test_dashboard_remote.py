"""The dashboard pointed at other clusters: a separate `kappa broker`, librdkafka's mock cluster, and
a SASL configuration the cluster cannot honour (the password must never reach the screen or the log)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from e2e import REPO_ROOT, SHARED_DIR, VENV_PY, kappa_bin, wait_until
from test_dashboard import Screen, focus

pytestmark = pytest.mark.skipif(subprocess.run(["which", "tmux"], capture_output=True).returncode != 0,
                                reason="tmux is not installed")


def kcat(*args, stdin: str | None = None, timeout: float = 30) -> str:
    out = subprocess.run(["kcat", *args], input=stdin, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout


def dashboard(tmp_path, name: str, args: str, env: str = "") -> tuple[Screen, object]:
    status = tmp_path / f"{name}.status"
    command = (f"{env} {kappa_bin()} {args} --log-file {tmp_path / (name + '.log')}; "
               f"echo EXITED rc=$? > {status}; sleep 30")
    return Screen(f"kappa-{name}-{os.getpid()}", command, 120, 40), status


def quit_cleanly(screen: Screen, status):
    screen.keys("C-c")
    wait_until(lambda: status.exists() and "EXITED" in status.read_text(), 15, what="the dashboard to exit")
    assert "EXITED rc=0" in status.read_text()


def test_dashboard_on_a_second_broker(kappa_factory, tmp_path):
    other = kappa_factory(name="second")
    kcat("-b", other.bootstrap, "-P", "-t", "elsewhere", "-K:", stdin="k1:v1\nk2:v2\n")
    screen, status = dashboard(tmp_path, "remote", f"--bootstrap-server {other.bootstrap} --topic elsewhere")
    try:
        screen.wait_text(f"cluster {other.bootstrap}")
        # Its topic, its records (Consumer-Term with the auto deserializer shows plain text as is).
        screen.wait_text("Key= k1 , Value=' v1 '", timeout=30)
        screen.wait_text("Key= k2 , Value=' v2 '")
        screen.keys("Escape")
        screen.type("list")
        screen.keys("Enter")
        screen.wait_for(lambda t: re.search(r"│elsewhere\s", t), what="'elsewhere' listed by Kafka-Term")
        # A send from Producer-Term lands on the second broker.
        focus(screen, "Enter send")
        screen.type("k3:v3")
        screen.keys("Enter")
        screen.wait_text("k3:v3 → elsewhere-0 @ 2")
        out = kcat("-b", other.bootstrap, "-C", "-t", "elsewhere", "-e", "-o", "2", "-f", "%k=%s\n")
        assert out == '"k3"="v3"\n'  # the Producer-Term's default serializer is json, as put.py's
        quit_cleanly(screen, status)
    finally:
        screen.close()
    other.assert_alive()


def test_sasl_settings_reach_librdkafka_and_the_password_does_not_show(kappa_factory, tmp_path):
    target = kappa_factory(name="plain")
    password = "hunter2-do-not-show"
    screen, status = dashboard(
        tmp_path, "sasl",
        f"--bootstrap-server {target.bootstrap} -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN "
        f"-X sasl.username=alice -X sasl.password={password}")
    try:
        # The client really tries SASL: this broker offers no SaslHandshake, and the error says so.
        screen.wait_for(lambda t: "SASL" in t, timeout=20, what="a SASL error in Kafka-Term")
        time.sleep(1)
        assert password not in screen.text()
        quit_cleanly(screen, status)
        log = (tmp_path / "sasl.log").read_text()
        assert "SASL" in log and "alice" in log
        assert "sasl.password=********" in log
        assert password not in log
    finally:
        screen.close()


@pytest.fixture
def mock_cluster():
    proc = subprocess.Popen([str(VENV_PY), str(SHARED_DIR / "tools" / "rdkafka_mock.py"), "--max-seconds", "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = ""
        for _ in range(5):
            line = proc.stdout.readline()
            if line.startswith("BOOTSTRAP ") or not line:
                break
        assert line.startswith("BOOTSTRAP "), line
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(10)


# In its own process (`make test-e2e` runs the isolated tests after the rest): alone it passed 8 of 8,
# inside the full run the mock acknowledged the produce only after 30-60 s and the console group was
# never assigned in 2 of 5 clean-clone CI runs. Cause not found; the dashboard's debug log is kept.
@pytest.mark.isolated
def test_dashboard_on_librdkafkas_mock_cluster(mock_cluster, tmp_path):
    # The dashboard's client logs (subscribe, assign, revoke) go to its log file, printed if this fails.
    screen, status = dashboard(tmp_path, "mock", f"--bootstrap-server {mock_cluster} --topic mocked",
                               env="KAPPA_LOG=debug")
    try:
        screen.wait_text(f"cluster {mock_cluster}")
        # The mock answers CreateTopics with an error (or not at all): one clear line, no hang.
        screen.type("create made-here -p 2")
        screen.keys("Enter")
        screen.wait_for(lambda t: re.search(r"│Error: .*made-here|│Error: ", t), timeout=30, what="one error line")
        # It auto-creates topics on produce: Producer-Term sends, Consumer-Term reads back.
        focus(screen, "Enter send")
        screen.type("mk:mv")
        screen.keys("Enter")
        # Alone this takes a few seconds; in a full run the mock (a Python process) was once slow
        # enough to need 30 s for the delivery alone, so each step gets 60 s.
        screen.wait_for(lambda t: re.search(r"mk:mv → mocked-\d+ @ \d+", t), timeout=60, what="the delivery report")
        screen.wait_text("Key= mk , Value=' mv '", timeout=60)
        # The mock has no ListGroups: the Offsets pane still shows the partitions' offsets.
        screen.wait_for(lambda t: re.search(r"│ total\s+1\s", t), what="the Offsets pane's total of 1")
        quit_cleanly(screen, status)
    except BaseException:
        log = tmp_path / "mock.log"
        if log.exists():
            print("--- dashboard log ---\n" + log.read_text(errors="replace")[-6000:])
        raise
    finally:
        screen.close()
