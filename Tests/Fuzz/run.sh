#!/usr/bin/env bash
# Builds the request-stream fuzzer (libFuzzer, swiftc -sanitize=fuzzer) and runs it for FUZZ_SECONDS.
#
# The harness (Tests/Fuzz/Sources) feeds each input through KafkaFrameDecoder in reads of a size the
# input picks, decodes every frame's header and body with the generated message types, round-trips
# them, scans and decodes produced record batches, and (FUZZ_BROKER=1, the default) answers the frames
# with an in-memory Broker, checking that each response decodes. Seeds: Tests/Fuzz/corpus, requests
# captured from real clients (Tests/Fuzz/make_corpus.py writes them).
#
# Environment:
#   FUZZ_SECONDS  how long libFuzzer runs (default 60; `make soak` uses 1800)
#   FUZZ_BROKER   1: also drive the broker (needs KappaBroker's dependencies built); 0: wire only
#   FUZZ_ARGS     extra libFuzzer flags for the one fuzzing process, e.g. FUZZ_ARGS='-seed=1 -max_len=8192'
# Replay one input (a crash, or a corpus file): SWIFT_BACKTRACE=enable=no .build-fuzz-broker/kappa-fuzz FILE...
#
# Exits non-zero on a build failure or when libFuzzer finds a crash, a hang (-timeout) or runs out of
# memory; the input that did it is kept under Tests/Fuzz/crashes/ and printed in hex.
set -euo pipefail

cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_BROKER=${FUZZ_BROKER:-1}
SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}

if [[ $FUZZ_BROKER == 1 ]]; then
    SCRATCH=.build-fuzz-broker
    TARGETS=(KappaBroker NIOEmbedded)
    DEFINES=(-DKAPPA_FUZZ_BROKER)
    # The server's SASL gate, compiled in rather than linking KappaServer (and NIOPosix, NIOSSL).
    SERVER_SOURCES=(Sources/KappaServer/SaslGate.swift)
else
    SCRATCH=.build-fuzz
    TARGETS=(KappaWire NIOEmbedded)
    DEFINES=()
    SERVER_SOURCES=()
fi
BINARY=$SCRATCH/kappa-fuzz
CRASHES=Tests/Fuzz/crashes
WORK_CORPUS=$SCRATCH/corpus

echo "fuzz: building ${TARGETS[*]} with -sanitize=fuzzer into $SCRATCH (release)" >&2
build_start=$SECONDS
mkdir -p "$SCRATCH"
for target in "${TARGETS[@]}"; do
    # Every Swift module of the closure gets coverage instrumentation; libFuzzer itself is linked below.
    if ! "$SWIFT" build --scratch-path "$SCRATCH" -c release --target "$target" -Xswiftc -sanitize=fuzzer \
        >"$SCRATCH/build.log" 2>&1; then
        grep -E 'error:' "$SCRATCH/build.log" | head -40 >&2 || tail -40 "$SCRATCH/build.log" >&2
        echo "fuzz: swift build --target $target failed (log: $SCRATCH/build.log)" >&2
        exit 2
    fi
done
BIN=$("$SWIFT" build --scratch-path "$SCRATCH" -c release --show-bin-path)

# The object files of what was built and the C module maps its Swift modules import, both read from
# SwiftPM's build description (only files of current sources, so stale objects never get linked).
mapfile -t OBJECTS < <(python3 - "$SCRATCH/release.yaml" <<'EOF'
import json, os, re, sys
outputs = set()
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if line.startswith("outputs: ["):
        outputs.update(o for o in json.loads(line[len("outputs: "):]) if o.endswith(".o"))
for path in sorted(outputs):
    if os.path.exists(path):
        print(path)
EOF
)
mapfile -t MODULE_FLAGS < <(python3 - "$SCRATCH/release.yaml" <<'EOF'
import json, sys
seen = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if not line.startswith("args: [") or '"-module-name"' not in line:
        continue
    args = json.loads(line[len("args: "):])
    for i, arg in enumerate(args[:-1]):
        if arg == "-Xcc" and args[i + 1].startswith("-fmodule-map-file="):
            flag = args[i + 1]
            if flag not in seen:
                seen.append(flag)
for flag in seen:
    print("-Xcc")
    print(flag)
EOF
)
[[ ${#OBJECTS[@]} -gt 0 ]] || { echo "fuzz: no object files found under $BIN" >&2; exit 2; }

"$SWIFTC" -O -g -sanitize=fuzzer -parse-as-library -swift-version 6 -module-name KappaFuzz "${DEFINES[@]}" \
    -I "$BIN/Modules" "${MODULE_FLAGS[@]}" -module-cache-path "$SCRATCH/fuzz-module-cache" \
    Tests/Fuzz/Sources/*.swift Sources/KappaServer/KafkaFrameDecoder.swift "${SERVER_SOURCES[@]}" \
    "${OBJECTS[@]}" -lstdc++ -o "$BINARY"
echo "fuzz: built $BINARY in $((SECONDS - build_start)) s" >&2

mkdir -p "$CRASHES" "$WORK_CORPUS"
LOG=$SCRATCH/fuzz.log
echo "fuzz: running for ${FUZZ_SECONDS} s (log: $LOG)" >&2
set +e
# The work corpus comes first: libFuzzer adds what it learns there and leaves the seeds alone.
# shellcheck disable=SC2086
SWIFT_BACKTRACE=enable=no "$BINARY" "$WORK_CORPUS" Tests/Fuzz/corpus \
    -max_total_time="$FUZZ_SECONDS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$CRASHES/" -print_final_stats=1 ${FUZZ_ARGS:-} >"$LOG" 2>&1
status=$?
set -e

execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$LOG" | grep -Eo '[0-9]+$' | tail -1 || true)
last=$(grep -E '^#[0-9]+' "$LOG" | tail -1 || true)
cov=$(grep -Eo 'cov: [0-9]+' <<<"$last" | grep -Eo '[0-9]+' || true)
ft=$(grep -Eo 'ft: [0-9]+' <<<"$last" | grep -Eo '[0-9]+' || true)
corp=$(grep -Eo 'corp: [0-9]+/[0-9A-Za-z]+' <<<"$last" | cut -d' ' -f2 || true)
misuse=$(grep -c 'NIO API misuse' "$LOG" || true)
if [[ ${misuse:-0} != 0 ]]; then
    echo "fuzz: warning: $misuse NIO API misuse reports in $LOG (an EmbeddedEventLoop used off its thread)" >&2
fi
echo "fuzz: ${execs:-?} executions in ${FUZZ_SECONDS} s, coverage ${cov:-?} edges (${ft:-?} features)," \
    "corpus ${corp:-?} inputs"

if [[ $status != 0 ]]; then
    grep -E 'ERROR: libFuzzer|SUMMARY|Fatal error|precondition|Test unit written' "$LOG" >&2 || tail -40 "$LOG" >&2
    artifact=$(grep -Eo 'Test unit written to [^ ]+' "$LOG" | tail -1 | cut -d' ' -f5 || true)
    if [[ -n $artifact && -f $artifact ]]; then
        echo "fuzz: input kept at $artifact ($(wc -c <"$artifact") bytes); replay: $BINARY $artifact" >&2
        od -An -tx1 -v "$artifact" | head -64 >&2
    fi
    echo "fuzz: FAILED (libFuzzer exit status $status); full log in $LOG" >&2
    exit 1
fi
