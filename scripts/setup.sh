#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build, run and test Kappa. Idempotent:
# every step checks first, so `make run` and `make test` can call it each time cheaply
# (a second run prints nothing).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libncurses-dev librdkafka-dev kcat tmux pkg-config)
VENV=.venv            # kafka-python 3.x, confluent-kafka, aiokafka, pytest (end-to-end tests)
VENV_KP2=.venv-kp2    # kafka-python 2.0.2, the course's version
# quixstreams (the stream-processing framework of the exactly-once test) pins confluent-kafka
# below 2.13, so it gets a venv of its own instead of downgrading the suite's confluent-kafka.
VENV_QUIX=.venv-quix

# .venv: pip requirement -> module that proves it is installed
VENV_REQS=('kafka-python>=3,<4' confluent-kafka aiokafka lz4 python-snappy zstandard crc32c
           pytest pytest-timeout)
VENV_MODS=(kafka confluent_kafka aiokafka lz4 snappy zstandard crc32c pytest pytest_timeout)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi

PY=${PYTHON:-python3}
import_check() { # venv, modules... : succeeds if every module imports
  local venv=$1; shift
  "$venv/bin/python" -c "import $(IFS=,; echo "$*")" 2>/dev/null
}
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV" >&2
  "$PY" -m venv "$VENV"
fi
if ! import_check "$VENV" "${VENV_MODS[@]}" \
   || ! "$VENV/bin/python" -c 'import kafka, sys; sys.exit(int(kafka.__version__.split(".")[0]) < 3)' 2>/dev/null; then
  echo "setup: installing Python packages into $VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check "${VENV_REQS[@]}" >&2
fi
if [ ! -x "$VENV_KP2/bin/python" ]; then
  echo "setup: creating $VENV_KP2" >&2
  "$PY" -m venv "$VENV_KP2"
fi
if ! "$VENV_KP2/bin/python" -c 'import kafka; assert kafka.__version__ == "2.0.2"' 2>/dev/null; then
  echo "setup: installing kafka-python 2.0.2 into $VENV_KP2" >&2
  "$VENV_KP2/bin/pip" install -q --disable-pip-version-check 'kafka-python==2.0.2' >&2
fi
if [ ! -x "$VENV_QUIX/bin/python" ]; then
  echo "setup: creating $VENV_QUIX" >&2
  "$PY" -m venv "$VENV_QUIX"
fi
if ! import_check "$VENV_QUIX" quixstreams; then
  echo "setup: installing quixstreams into $VENV_QUIX" >&2
  "$VENV_QUIX/bin/pip" install -q --disable-pip-version-check 'quixstreams>=3,<4' >&2
fi
