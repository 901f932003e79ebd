"""The course exercise, unchanged: shared/seed/put.py and get.py against a broker on localhost:9092,
with kafka-python 2.0.2 and 3.x. get.py consumes in group 'group-1', so this needs consumer groups."""
import queue
import shutil
import subprocess
import threading
import time

import pytest
from confluent_kafka.admin import AdminClient

from e2e import REPO_ROOT, SHARED_DIR, VENV_KP2_PY, VENV_PY, create_topic, port_is_free

SEED_DIR = SHARED_DIR / "seed"
SEED_PORT = 9092  # put.py and get.py hard-code localhost:9092
EXPECTED = [
    "Key= MYID , Value=' A20545137 '",
    "Key= MYNAME , Value=' Deep Pawar '",
    "Key= MYEYECOLOR , Value=' Brown '",
]
GET_TIMEOUT = 30.0  # get.py never exits by itself
GRACE = 3.0         # after the expected lines, how long extra (duplicate) lines get to show up


def run_get(python, workdir, log):
    """Runs get.py until it has printed len(EXPECTED) lines plus GRACE seconds, or GET_TIMEOUT;
    then stops it. Returns the lines it printed."""
    proc = subprocess.Popen([str(python), "-u", "get.py"], cwd=workdir, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=log, text=True)
    lines: "queue.Queue[str | None]" = queue.Queue()

    def reader():
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    got = []
    deadline = time.monotonic() + GET_TIMEOUT
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            got.append(line)
            if len(got) == len(EXPECTED):
                deadline = min(deadline, time.monotonic() + GRACE)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    return got


@pytest.mark.parametrize("client", ["kafka-python-2.0.2", "kafka-python-3"])
def test_seed_put_then_get(kappa_factory, tmp_path, client):
    python = VENV_KP2_PY if client == "kafka-python-2.0.2" else VENV_PY
    assert SEED_DIR.is_dir(), f"the seed exercise is not at {SEED_DIR} (shared/ beside {REPO_ROOT})"
    if not port_is_free(SEED_PORT):
        pytest.skip(f"127.0.0.1:{SEED_PORT} is in use; the seed scripts hard-code localhost:9092")

    workdir = tmp_path / "seed"
    workdir.mkdir()
    for name in ("put.py", "get.py"):
        shutil.copyfile(SEED_DIR / name, workdir / name)
        assert (workdir / name).read_bytes() == (SEED_DIR / name).read_bytes()

    b = kappa_factory(port=SEED_PORT)
    # kafka-topics.sh --create --partitions 1 --topic sample; then --list prints sample
    create_topic(b.bootstrap, "sample", partitions=1)
    listed = AdminClient({"bootstrap.servers": "localhost:9092"}).list_topics(timeout=10).topics
    assert "sample" in listed, sorted(listed)

    put = subprocess.run([str(python), "put.py"], cwd=workdir, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=90)
    assert put.returncode == 0, f"put.py failed:\n{put.stderr[-4000:]}"

    log_path = tmp_path / "get.stderr"
    with open(log_path, "w") as log:
        got = run_get(python, workdir, log)
    assert got == EXPECTED, f"get.py printed {got}; its stderr:\n{log_path.read_text()[-4000:]}"
