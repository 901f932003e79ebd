#!/usr/bin/env bash
# Placeholder until the fuzz target lands: builds and runs the decoders' fuzzer for FUZZ_SECONDS.
echo "fuzz: no fuzz target yet" >&2
