#!/usr/bin/env bash
# Bounded libFuzzer run of every harness in tests/fuzz (CI runs it after the two
# test builds).  Builds build-fuzz with clang (-fsanitize=fuzzer + ASan/UBSan, the
# library instrumented too), then runs each harness for SECONDS on a scratch copy
# of its committed corpus, so the tree is never written.  A crash, sanitizer
# report or leak fails the run; the input that caused it is kept in
# build-fuzz/findings/<harness>/ and replays with `build/tests/<harness> FILE`.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     default 30 s each, every harness
#   FUZZ_BUILD=dir  build directory (default build-fuzz)
#   FUZZ_SEED=n     libFuzzer's seed (default 1, so a CI run explores the same
#                   inputs each time as far as its time allows; 0 = random)
#   FUZZ_KEEP=1     keep the scratch corpora (new inputs worth committing after
#                   `-merge=1` into tests/fuzz/corpus/<harness>/)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
build=${FUZZ_BUILD:-build-fuzz}
seed=${FUZZ_SEED:-1}

./scripts/deps.sh fuzz
CC=clang cmake -S . -B "$build" -G Ninja -DTRANSIT_WERROR=ON -DTRANSIT_FUZZ=ON \
	-DTRANSIT_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null

if [ $# -gt 0 ]; then
	harnesses=("$@")
else
	harnesses=()
	for f in tests/fuzz/fuzz_*.c; do
		harnesses+=("$(basename "$f" .c)")
	done
fi

scratch=$(mktemp -d)
trap '[ -n "${FUZZ_KEEP:-}" ] || rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
printf '%-20s %8s %8s %8s %8s  %s\n' harness seconds runs exec/s new result
for h in "${harnesses[@]}"; do
	bin=$build/tests/$h
	[ -x "$bin" ] || { echo "fuzz.sh: no harness $h" >&2; exit 2; }
	corpus=$scratch/$h
	found=$build/findings/$h
	mkdir -p "$corpus" "$found"
	cp tests/fuzz/corpus/"$h"/* "$corpus"/ 2>/dev/null || true
	log=$build/findings/$h.log
	if "$bin" -seed="$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$found/" "$corpus" >"$log" 2>&1; then
		result=ok
	else
		result="FAILED (log: $log)"
		failed+=("$h")
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	new=$(sed -n 's/^stat::new_units_added: *//p' "$log")
	printf '%-20s %8s %8s %8s %8s  %s\n' "$h" "$secs" "${runs:--}" "${rate:--}" \
		"${new:--}" "$result"
done
if [ ${#failed[@]} -gt 0 ]; then
	for h in "${failed[@]}"; do
		echo "== $h"
		grep -E 'ERROR|SUMMARY|^    #[0-9] ' "$build/findings/$h.log" | head -30
		ls "$build/findings/$h"
	done
	echo "fuzz.sh: ${failed[*]} failed" >&2
	exit 1
fi
echo "fuzz.sh: no findings"
