# Kappa: a Kafka-compatible broker in Swift. `make help` lists the targets.
SHELL := /bin/bash
SWIFT ?= swift
# What `make run` passes to kappa: nothing starts the broker with the dashboard; `broker` runs it headless.
RUN_ARGS ?=
# Extra arguments for the end-to-end pytest run, e.g. PYTEST_ARGS='-k kcat -x'.
PYTEST_ARGS ?=

KAPPA_DEBUG := .build/debug/kappa
PYTHON := .venv/bin/python

.PHONY: help setup build run test test-swift test-e2e test-fuzz soak bench clean distclean
# Prerequisites run in order (setup before build before tests), even under make -j.
.NOTPARALLEL:

help:
	@echo "make setup    install system packages and the Python venvs (scripts/setup.sh)"
	@echo "make build    swift build (debug)"
	@echo "make run      setup + build, then .build/debug/kappa \$$(RUN_ARGS) (now: $(RUN_ARGS))"
	@echo "make test     setup, Swift unit tests, then the end-to-end suite (Tests/EndToEnd)"
	@echo "make bench    setup, release build, then bench/run.sh"
	@echo "make soak     setup, build, then the long versions of the fault tests and a 30-minute fuzz run"
	@echo "make clean    remove build products (keeps venvs and data directories)"

setup:
	@bash scripts/setup.sh

build:
	$(SWIFT) build

run: setup build
	$(KAPPA_DEBUG) $(RUN_ARGS)

test: setup test-swift test-e2e test-fuzz

test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test

# Uses the debug binary that test-swift built; KAPPA_BIN=... overrides it.
test-e2e:
	KAPPA_BIN=$${KAPPA_BIN:-$(KAPPA_DEBUG)} $(PYTHON) -m pytest -q Tests/EndToEnd -m 'not isolated' $(PYTEST_ARGS)
	KAPPA_BIN=$${KAPPA_BIN:-$(KAPPA_DEBUG)} $(PYTHON) -m pytest -q Tests/EndToEnd -m isolated $(PYTEST_ARGS)

# A bounded fuzz run of the frame and request decoders (FUZZ_SECONDS, default 60), seeded with captured requests.
FUZZ_SECONDS ?= 60
test-fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash Tests/Fuzz/run.sh

# The long versions: KAPPA_SOAK=1 scales the fault tests up (more crash rounds, more connections, ...).
soak: setup build
	KAPPA_SOAK=1 KAPPA_BIN=$${KAPPA_BIN:-$(KAPPA_DEBUG)} $(PYTHON) -m pytest -q Tests/EndToEnd -m soak -p no:timeout $(PYTEST_ARGS)
	FUZZ_SECONDS=$${SOAK_FUZZ_SECONDS:-1800} bash Tests/Fuzz/run.sh

bench: setup
	$(SWIFT) build -c release
	bash bench/run.sh

clean:
	$(SWIFT) package clean

# Also drops resolved dependencies and the venvs (setup recreates them).
distclean:
	rm -rf .build .venv .venv-kp2 .venv-quix
