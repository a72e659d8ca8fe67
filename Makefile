# Convenience front end; the build itself is CMake (+ ninja), the tests are ctest.
#   make demo   build, then run network A in the lab: transitlab up, ping, down
#   make test   install what is missing, build with -Werror, run the whole suite
#   make asan   the same suite in an ASan+UBSan build
#   make fuzz   a bounded libFuzzer run of every harness (FUZZ_SECONDS each, clang)
#   make bench  build and run the benchmarks that need no peers (bench/lpm)
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
FUZZ_SECONDS ?= 30

.PHONY: all build demo test asan fuzz bench clean deps

all: build

deps:
	./scripts/deps.sh build

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DTRANSIT_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# demo builds only the three programs it runs, so it fits in two minutes from a
# clean tree on a 2-core machine; it needs root for the lab (sudo make demo).
demo: deps
	cmake -S . -B $(BUILD) -G Ninja -DTRANSIT_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target transitctl transitd transitlab
	./scripts/demo.sh $(BUILD)

test:
	./scripts/deps.sh test
	cmake -S . -B $(BUILD) -G Ninja -DTRANSIT_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

asan:
	./scripts/deps.sh test
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DTRANSIT_WERROR=ON -DTRANSIT_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

fuzz:
	./scripts/fuzz.sh $(FUZZ_SECONDS)

bench: build
	./$(BUILD)/bench/bench_lpm

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
