"""Failures of the headless commands: unknown topics and groups, bad options, unreachable clusters.
Each must exit non-zero within bounded time with exactly one `kappa: <reason>` line on stderr and
nothing on stdout. Also: contexts, the built-in broker's default address, and --help."""
from __future__ import annotations

import json

import pytest

from e2e import free_port, port_is_free
from test_cli_support import kappa, ok, one_line_error


def test_unknown_topics_and_groups(broker, topic):
    b = broker.bootstrap
    missing = topic + "-missing"
    one_line_error(kappa("consume", missing, "-e", bootstrap=b), missing, "does not exist")
    one_line_error(kappa("consume", missing, "-G", "g", "-e", bootstrap=b), missing, "does not exist")
    one_line_error(kappa("export", missing, bootstrap=b), missing, "does not exist")
    one_line_error(kappa("topics", "describe", missing, bootstrap=b), missing, "does not exist")
    one_line_error(kappa("topics", "delete", missing, bootstrap=b), missing, "does not exist")
    one_line_error(kappa("topics", "alter", missing, "--partitions", "3", bootstrap=b), missing, "does not exist")
    one_line_error(kappa("groups", "reset-offsets", "--group", "g", "--topic", missing, "--to-earliest",
                         bootstrap=b), missing, "does not exist")
    one_line_error(kappa("groups", "describe", "no-such-group", bootstrap=b), "no-such-group", "does not exist")
    one_line_error(kappa("groups", "delete", "no-such-group", bootstrap=b), "no-such-group", "does not exist")

    ok(kappa("topics", "create", topic, "-p", "2", bootstrap=b))
    one_line_error(kappa("topics", "create", topic, bootstrap=b), topic, "already exists")
    one_line_error(kappa("topics", "alter", topic, "--partitions", "1", bootstrap=b), topic)
    one_line_error(kappa("consume", topic, "-p", "5", "-e", bootstrap=b), "no partition 5")
    # A partition the topic does not have: the delivery fails, with librdkafka's reason.
    failed = one_line_error(kappa("produce", topic, "-p", "7", input="x\ny\n", bootstrap=b), "not delivered")
    assert "partition" in failed.lower()

    # import: every line is checked before anything is sent; partitions must fit an existing topic.
    bad = '{"key":"a","value":"b"}\n{"key":"a"}\n'
    one_line_error(kappa("import", topic, input=bad, bootstrap=b), "line 2", "value")
    one_line_error(kappa("import", topic, input="{not json}\n", bootstrap=b), "line 1")
    wide = json.dumps({"partition": 4, "key": None, "value": "v"}) + "\n"
    one_line_error(kappa("import", topic, input=wide, bootstrap=b), "2 partition", "5")
    assert ok(kappa("consume", topic, "-e", bootstrap=b)).stdout == b""  # nothing was sent


@pytest.mark.parametrize("args, fragment", [
    (["topics", "list", "--bogus"], "--bogus"),
    (["topics", "frob"], "frob"),
    (["topics", "create"], "<name>"),
    (["topics", "create", "t", "-p", "0"], "--partitions"),
    (["topics", "create", "t", "--config", "novalue"], "key=value"),
    (["topics", "alter", "t"], "--partitions"),
    (["consume"], "<topic>"),
    (["consume", "t", "-o", "sideways"], "-o"),
    (["consume", "t", "-f", "%q"], "%q"),
    (["consume", "t", "--json", "-f", "%s"], "--json"),
    (["consume", "t", "-G", "g", "-o", "5"], "reset-offsets"),
    (["consume", "t", "-c", "0"], "-c"),
    (["produce", "t", "-H", "novalue"], "-H"),
    (["produce", "t", "--serializer", "xml"], "xml"),
    (["groups", "reset-offsets", "--group", "g", "--topic", "t"], "--to-earliest"),
    (["groups", "reset-offsets", "--group", "g", "--topic", "t", "--to-earliest", "--to-latest"], "only one"),
    (["groups", "reset-offsets", "--group", "g", "--topic", "t", "--to-datetime", "yesterday"], "yesterday"),
    (["topics", "list", "-X", "novalue"], "key=value"),
    (["topics", "list", "-X", "no.such.property=1"], "no.such.property"),
    (["topics", "list", "--timeout", "0"], "--timeout"),
    (["topics", "list", "--bootstrap-server", "127.0.0.1:1", "--context", "x"], "not both"),
])
def test_bad_options(args, fragment, tmp_path):
    run = kappa(*args, env={"KAPPA_CONFIG": str(tmp_path / "none.toml")})
    one_line_error(run, fragment)
    assert run.returncode != 0 and run.elapsed < 5


def test_unreachable_cluster_fails_in_bounded_time():
    dead = f"127.0.0.1:{free_port()}"
    for args in (["topics", "list"], ["topics", "create", "t"], ["consume", "t", "-e"], ["groups", "describe", "g"]):
        run = kappa(*args, "--timeout", "1", bootstrap=dead)
        one_line_error(run, dead)
        assert run.elapsed < 8, run.describe()
    run = kappa("produce", "t", "-X", "message.timeout.ms=1000", input="x\n", bootstrap=dead)
    one_line_error(run, "not delivered", "timed out")
    assert run.elapsed < 8


def test_contexts_and_the_default_address(broker, topic, tmp_path):
    b = broker.bootstrap
    ok(kappa("topics", "create", topic, bootstrap=b))
    config = tmp_path / "config.toml"
    config.write_text(f'default = "lab"\n[contexts.lab]\nbootstrap = "{b}"\n'
                      f'[contexts.lab.properties]\n"client.id" = "from-context"\n'
                      f'[contexts.dead]\nbootstrap = "127.0.0.1:{free_port()}"\n')
    env = {"KAPPA_CONFIG": str(config)}
    assert topic in ok(kappa("topics", "list", env=env)).lines()
    assert topic in ok(kappa("topics", "list", "--context", "lab", env=env)).lines()
    one_line_error(kappa("topics", "list", "--context", "nope", env=env), "unknown context 'nope'")
    one_line_error(kappa("topics", "list", "--context", "dead", "--timeout", "1", env=env), "dead")
    # -X bootstrap.servers overrides the context, as librdkafka's own property; -F reads them from a file.
    assert topic in ok(kappa("topics", "list", "--context", "dead", "-X", f"bootstrap.servers={b}", env=env)).lines()
    properties = tmp_path / "client.properties"
    properties.write_text(f"# kcat-style\nbootstrap.servers={b}\nclient.id = from-file\n")
    assert topic in ok(kappa("topics", "list", "--context", "dead", "-F", str(properties), env=env)).lines()
    one_line_error(kappa("topics", "list", "-F", str(tmp_path / "missing.properties"), env=env), "missing.properties")

    # Without any cluster option the commands use the built-in broker's address, 127.0.0.1:9092.
    if not port_is_free(9092):
        pytest.skip("something listens on 9092; the default address cannot be checked")
    empty = {"KAPPA_CONFIG": str(tmp_path / "none.toml")}
    one_line_error(kappa("topics", "list", "--timeout", "1", env=empty), "127.0.0.1:9092")


@pytest.mark.parametrize("path", [
    ["topics", "list"], ["topics", "create"], ["topics", "describe"], ["topics", "delete"], ["topics", "alter"],
    ["produce"], ["consume"], ["groups", "list"], ["groups", "describe"], ["groups", "reset-offsets"],
    ["groups", "delete"], ["export"], ["import"],
])
def test_help(path):
    run = ok(kappa(*path, "--help"))
    assert f"USAGE: kappa {' '.join(path)}" in run.out
    for option in ("--bootstrap-server", "--context", "-X <key=value>", "-F <file>", "--timeout"):
        assert option in run.out, run.out
    # Every option has its help text: no option line stands alone without a description.
    lines = run.out.splitlines()
    options = lines[lines.index("OPTIONS:") + 1:]
    for i, line in enumerate(options):
        if line.startswith("  -"):
            described = len(line.split("  ")) > 2 or (i + 1 < len(options) and options[i + 1].startswith(" " * 10))
            assert described, f"option without help: {line!r}\n{run.out}"
