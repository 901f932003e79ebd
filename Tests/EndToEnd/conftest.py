"""Fixtures for Kappa's end-to-end tests: real clients against a real `kappa broker` process.

See e2e.py for the environment variables (KAPPA_BIN, KAPPA_BOOTSTRAP) and the helpers.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

pytest.register_assert_rewrite("e2e")

from e2e import EXTERNAL_BOOTSTRAP, ExternalBroker, KappaBroker, free_port


@pytest.fixture
def kappa_factory(tmp_path, request):
    """Returns start(data_dir=None, port=None, args=(), wait=True) -> KappaBroker.

    Every broker it started and that still runs at the end of the test is stopped with SIGTERM,
    and the test errors if one does not exit with status 0 within 10 s. Logs of all of them are
    attached to the report of a failing test.
    """
    if EXTERNAL_BOOTSTRAP:
        pytest.skip("needs to control the broker process (KAPPA_BOOTSTRAP is set)")
    brokers: list[KappaBroker] = []
    request.node._kappa_brokers = brokers

    def start(data_dir: Path | None = None, port: int | None = None, args=(), wait: bool = True,
              name: str | None = None) -> KappaBroker:
        name = name or f"broker{len(brokers) + 1}"
        b = KappaBroker(data_dir or tmp_path / f"{name}-data", port or free_port(), list(args),
                        tmp_path, name)
        brokers.append(b)
        return b.start(wait=wait)

    yield start

    errors = []
    for b in brokers:
        if b.is_running():
            try:
                b.stop()
            except BaseException as e:  # pytest.fail raises Failed, a BaseException
                errors.append(f"{b.name}: {e}")
    if errors:
        pytest.fail("broker shutdown failed: " + "; ".join(errors), pytrace=False)


@pytest.fixture
def broker(request):
    """The broker under test: a fresh `kappa broker` on a free port and an empty data dir, or the
    KAPPA_BOOTSTRAP broker. Use .bootstrap, .host, .port, .assert_alive()."""
    if EXTERNAL_BOOTSTRAP:
        return ExternalBroker(EXTERNAL_BOOTSTRAP)
    return request.getfixturevalue("kappa_factory")()


@pytest.fixture
def topic(request) -> str:
    """A topic name unique to this test (and this run)."""
    base = re.sub(r"[^a-zA-Z0-9._-]+", "-", request.node.name).strip("-")[:80]
    return f"{base}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and its key, PEM."""
    openssl = shutil.which("openssl")
    assert openssl, "the openssl command is needed to make a test certificate: run scripts/setup.sh"
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    r = subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                        "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return cert, key


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    brokers = getattr(item, "_kappa_brokers", None)
    if rep.failed and brokers:
        for b in brokers:
            rep.sections.append((f"kappa {b.name} ({b.bootstrap}, data {b.data_dir})", b.all_logs()))
