"""Named clusters from $XDG_CONFIG_HOME/kappa/config.toml: `--context NAME`, the file's default,
and a clear one-line error for a context that is not there."""
from __future__ import annotations

import os
import subprocess

from e2e import kappa_bin


def kappa(*args, env, timeout=60):
    return subprocess.run([str(kappa_bin()), *args], capture_output=True, text=True, timeout=timeout, env=env)


def config_env(tmp_path, text: str) -> dict:
    (tmp_path / "kappa").mkdir(exist_ok=True)
    (tmp_path / "kappa" / "config.toml").write_text(text)
    env = dict(os.environ)
    env.pop("KAPPA_CONFIG", None)
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    return env


def test_context_by_name_and_by_default(kappa_factory, tmp_path, topic):
    first = kappa_factory(name="first")
    second = kappa_factory(name="second")
    env = config_env(tmp_path, f"""
[contexts.one]
bootstrap = "{first.bootstrap}"

[contexts.two]
bootstrap = "{second.bootstrap}"
[contexts.two.properties]
"client.id" = "kappa-context-test"
"socket.timeout.ms" = 10000
""")
    created = kappa("topics", "create", topic, "-p", "2", "--context", "two", env=env)
    assert created.returncode == 0, created.stderr
    on_two = kappa("topics", "list", "--context", "two", env=env)
    on_one = kappa("topics", "list", "--context", "one", env=env)
    assert on_two.returncode == 0 and topic in on_two.stdout.split()
    assert on_one.returncode == 0 and topic not in on_one.stdout.split()
    assert "kappa-context-test" in second.all_logs()  # the context's properties reached librdkafka

    # With `default = "two"` the context applies without --context.
    env = config_env(tmp_path, f'default = "two"\n[contexts.two]\nbootstrap = "{second.bootstrap}"\n')
    listed = kappa("topics", "list", env=env)
    assert listed.returncode == 0 and topic in listed.stdout.split()


def test_unknown_context_is_one_clear_line(tmp_path):
    env = config_env(tmp_path, '[contexts.real]\nbootstrap = "127.0.0.1:1"\n')
    out = kappa("topics", "list", "--context", "nope", env=env, timeout=30)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0] and "real" in lines[0], out.stderr


def test_bad_config_file_is_reported(tmp_path):
    env = config_env(tmp_path, "[contexts.broken\n")
    out = kappa("topics", "list", "--context", "broken", env=env, timeout=30)
    assert out.returncode != 0
    assert "config.toml" in out.stderr
