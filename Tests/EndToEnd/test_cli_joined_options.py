"""kcat's habits work: short options with the value joined (`-K:`, `-Ggroup`, `-obeginning`)."""
from __future__ import annotations

import subprocess

from e2e import kappa_bin


def run(*args, stdin=None):
    return subprocess.run([str(kappa_bin()), *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_joined_short_options(broker, topic):
    b = ["--bootstrap-server", broker.bootstrap]
    assert run("topics", "create", topic, "-p", "1", *b).returncode == 0
    produced = run("produce", topic, "-K:", "-H", "source=cli", *b, stdin="k1:v1\nk2:v2\n")
    assert produced.returncode == 0, produced.stderr
    plain = run("consume", topic, "-obeginning", "-e", "-f", "%k=%s %h\n", *b)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == "k1=v1 source=cli\nk2=v2 source=cli\n"
    grouped = run("consume", topic, "-Gjoined-group", "-c", "2", "-f", "%k\n", *b)
    assert grouped.returncode == 0, grouped.stderr
    assert grouped.stdout == "k1\nk2\n"
