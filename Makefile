# forkv: the two commands that matter are `make run` and `make test`.
# CMake does the building (dependency discovery through Debian's CMake
# packages, GoogleTest/CTest integration); this Makefile is the front door.

JOBS      ?= $(shell nproc)
PREFIX    ?= /usr/local
DATA_DIR  ?= ./var/data
ARGS      ?=
CMAKE     := cmake
RELEASE   := build/release
TESTBUILD := build/test
ASANBUILD := build/asan

.PHONY: all deps build build-test run test test-unit test-integration check-fault test-asan \
        install format clean

all: build

deps:
	@bash scripts/deps.sh

$(RELEASE)/CMakeCache.txt:
	$(CMAKE) -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release -DFORKV_BUILD_TESTS=OFF

build: deps $(RELEASE)/CMakeCache.txt
	$(CMAKE) --build $(RELEASE) -j$(JOBS)

# Starts the manager in the foreground with its data under ./var.
# Use the CLI from another shell: build/release/bin/forkv (or `make install`).
run: build
	@mkdir -p var
	@echo "forkv: CLI at $(CURDIR)/$(RELEASE)/bin/forkv  (export PATH=$(CURDIR)/$(RELEASE)/bin:\$$PATH)"
	exec $(RELEASE)/bin/forkv-manager --data-dir $(DATA_DIR) --init $(ARGS)

# Test build: fault hooks and kill points compiled in (never in release).
# Debug (-O0 -g, assertions on): the build is ~40% of the CPU of -O2 -g,
# because most of it is code generation for header-only libraries' inline
# functions (CLI11, nlohmann-json, fmt/spdlog, msgpack, gtest), which
# precompiled headers do not save (measured: docs/architecture.md, "Build
# time"). CI also builds the release (-O2) tree, so -O2-only warnings fail it.
$(TESTBUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(TESTBUILD) -DCMAKE_BUILD_TYPE=Debug -DFORKV_TEST_HOOKS=ON

build-test: deps $(TESTBUILD)/CMakeCache.txt
	$(CMAKE) --build $(TESTBUILD) -j$(JOBS)

test: build-test
	cd $(TESTBUILD) && ctest --output-on-failure -j2 --timeout 300

test-unit: build-test
	cd $(TESTBUILD) && ctest --output-on-failure -L unit

test-integration: build-test
	cd $(TESTBUILD) && ctest --output-on-failure -L integration

check-fault: build-test
	cd $(TESTBUILD) && ctest --output-on-failure -L fault

# What the sanitizer runs need (-L "unit|integration"): the unit and
# integration test binaries and the daemons they start, not the benchmarks,
# the chaos runner or the fault tests (a quarter less to build, twice).
SAN_TARGETS := unit_tests integration_tests bench_unit_tests chaos_checker_tests \
               forkv-manager forkv-store forkv-db forkv-http forkv

$(ASANBUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(ASANBUILD) -DCMAKE_BUILD_TYPE=Debug -DFORKV_TEST_HOOKS=ON -DFORKV_SANITIZE=ON

# Unit and integration tests under AddressSanitizer + UBSan (CI runs this too).
test-asan: deps $(ASANBUILD)/CMakeCache.txt
	$(CMAKE) --build $(ASANBUILD) -j$(JOBS) --target $(SAN_TARGETS)
	rm -rf $(ASANBUILD)/reports && mkdir -p $(ASANBUILD)/reports
	cd $(ASANBUILD) && ASAN_OPTIONS=detect_leaks=1:log_path=$(CURDIR)/$(ASANBUILD)/reports/asan \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(CURDIR)/$(ASANBUILD)/reports/ubsan \
	  ctest --output-on-failure -j2 --timeout 600 -L "unit|integration"
	@# Reports of child processes (manager, stores, workers) land in files, not in test output.
	@if ls $(ASANBUILD)/reports/* >/dev/null 2>&1; then cat $(ASANBUILD)/reports/*; \
	  echo "sanitizer reports found in $(ASANBUILD)/reports"; exit 1; fi

# Unit and integration tests under ThreadSanitizer (CI runs this too). The
# daemons are single-threaded apart from ZeroMQ's I/O threads; the threads are
# in the tests' concurrent clients, the bench's helpers and the HTTP gateway's
# pool. Every binary (manager, stores, workers, gateway) is built with TSan and
# reports into $(TSANBUILD)/reports; halt_on_error makes a racing daemon die,
# so its test fails too. tests/tsan.supp: uninstrumented libzmq and
# cpp-httplib only. All unit and integration tests fit (~2 min at -O0).
# setarch -R (no ASLR): GCC 12's TSan dies with "unexpected memory mapping"
# on kernels with vm.mmap_rnd_bits > 28; it is skipped where personality()
# is refused (containers), where such kernels need the sysctl lowered instead.
TSANBUILD   := build/tsan
TSAN_SETARCH = $(shell setarch $$(uname -m) -R true >/dev/null 2>&1 && echo setarch $$(uname -m) -R)

.PHONY: test-tsan

$(TSANBUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(TSANBUILD) -DCMAKE_BUILD_TYPE=Debug -DFORKV_TEST_HOOKS=ON -DFORKV_TSAN=ON

test-tsan: deps $(TSANBUILD)/CMakeCache.txt
	$(CMAKE) --build $(TSANBUILD) -j$(JOBS) --target $(SAN_TARGETS)
	rm -rf $(TSANBUILD)/reports && mkdir -p $(TSANBUILD)/reports
	@# Reports are shown even when tests failed: a report is usually why.
	cd $(TSANBUILD) && rc=0; \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp:log_path=$(CURDIR)/$(TSANBUILD)/reports/tsan \
	  $(TSAN_SETARCH) ctest --output-on-failure -j2 --timeout 600 -L "unit|integration" || rc=$$?; \
	  if ls reports/* >/dev/null 2>&1; then cat reports/*; \
	    echo "ThreadSanitizer reports found in $(TSANBUILD)/reports"; exit 1; fi; \
	  exit $$rc

# Persistence figures (bench/run_persistence_bench.sh): puts/s per --fsync
# mode with 1 and 50 clients, group-commit batch sizes, reload time after
# kill -9 of a store with 100k and 1M keys. About 2 minutes on 2 cores.
.PHONY: bench
bench: build
	FORKV_BIN_DIR=$(CURDIR)/$(RELEASE)/bin bash bench/run_persistence_bench.sh

# forkv against a private Redis (bench/compare_redis.sh, installs redis if
# missing): GET and SET/put in both durability modes, same load, alternating
# runs. A few minutes on 2 cores; settings by environment (see the script).
# bench-figures (bench/run_figures.sh): kill -9 -> serving again, create time,
# memory per idle store with 1000 stores. About 4 minutes.
# Many stores (issue 14, bench/scale.h): create 10,000 stores, their idle
# CPU and memory, 1,000,000 names in the catalogue (start-up, first
# requests), a zipfian load over 100,000 stores with --max-live-stores 5000.
# A few minutes; SCALE_ARGS passes options (forkv-bench-scale --help).
.PHONY: bench-scale
bench-scale: build
	$(RELEASE)/bin/forkv-bench-scale $(SCALE_ARGS)

# forkv backup under a writer: backup time and the slowest put during it,
# with BACKUP_KEYS keys in the service (bench/backup.py). About 1 minute.
BACKUP_KEYS ?= 1000000
.PHONY: bench-backup
bench-backup: build
	FORKV_BIN_DIR=$(CURDIR)/$(RELEASE)/bin /usr/bin/python3 bench/backup.py --keys $(BACKUP_KEYS)

.PHONY: bench-redis bench-figures
bench-redis: build
	FORKV_BIN_DIR=$(CURDIR)/$(RELEASE)/bin bash bench/compare_redis.sh

bench-figures: build
	FORKV_BIN_DIR=$(CURDIR)/$(RELEASE)/bin bash bench/run_figures.sh

# The HTTP gateway under wrk: 80% GET / 20% PUT over 1000 stores
# (bench/http.sh; installs wrk if missing). About 1 minute.
.PHONY: bench-http
bench-http: build
	FORKV_BIN_DIR=$(CURDIR)/$(RELEASE)/bin bash bench/http.sh

# forkv and forkv-manager into $(DESTDIR)$(PREFIX)/bin, the internal binaries
# into libexec/forkv, the systemd unit (ExecStart pointing at $(PREFIX)/bin)
# into lib/systemd/system, the forkv user and group into lib/sysusers.d, the
# options file into etc/forkv (kept if it exists), man pages, bash completion,
# docs into share/doc,
# libforkv (headers, libforkv.so.0, forkv.pc, the CMake package) into
# include/ and lib/, the Python client where Debian's python3 finds it.
# A real install (no DESTDIR) refreshes the dynamic linker's cache.
install: build
	$(CMAKE) -S . -B $(RELEASE) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	$(CMAKE) --build $(RELEASE) -j$(JOBS)
	DESTDIR=$(DESTDIR) $(CMAKE) --install $(RELEASE)
	@# A real install as root: the dynamic linker's cache, the forkv user and
	@# group (sysusers.d), and systemd told of the new unit.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; \
	  if command -v systemd-sysusers >/dev/null; then systemd-sysusers; fi; \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; fi

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build

# libFuzzer over every decoder of another process's bytes (tests/fuzz, clang
# only). Seeds are read from tests/fuzz/corpus (committed, never written);
# new inputs go to build/fuzz/corpus and crashes to build/fuzz/artifacts/.
# Reproduce one with: build/fuzz/codec_fuzzer build/fuzz/artifacts/crash-...
FUZZBUILD    := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
# msgpack-c allocates an array's claimed size before reading its elements
# (384 MB for a 6-byte reply frame). That is cheap untouched memory in a
# normal build but ~0.5 s per decode under ASan, so here allocations over
# 64 MB fail instead; the decoders turn bad_alloc into too_large.
FUZZ_ENV     := ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=64

.PHONY: fuzz fuzz-smoke fuzz-build

fuzz-build:
	@bash scripts/deps.sh clang libclang-rt-14-dev
	$(CMAKE) -S tests/fuzz -B $(FUZZBUILD) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
	$(CMAKE) --build $(FUZZBUILD) -j$(JOBS)

fuzz: fuzz-build
	@mkdir -p $(FUZZBUILD)/corpus $(FUZZBUILD)/artifacts
	$(FUZZ_ENV) $(FUZZBUILD)/codec_fuzzer $(FUZZBUILD)/corpus tests/fuzz/corpus \
	  -dict=tests/fuzz/codec.dict -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	  -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -artifact_prefix=$(FUZZBUILD)/artifacts/ $(FUZZ_FLAGS)

# CI: about 25 s of fuzzing after the build.
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=25

# forkv export | forkv import of 1,000,000 keys (make test does 100,000),
# compared pair by pair; prints the export and import times. About 2 minutes.
.PHONY: test-transfer-1m
test-transfer-1m: build-test
	cd $(TESTBUILD) && FORKV_TRANSFER_KEYS=1000000 ./bin/integration_tests \
	  --gtest_filter=TransferTest.ManyKeysRoundTripInPages

# Process-kill chaos run (tests/chaos): a private manager under load, its
# stores, database workers and itself killed 3-4 times a second (>= 1000
# faults in the 300 s default: manager restarts pause the schedule), then every
# operation checked for lost or stale data. `make test` runs a 20 s one.
CHAOS_ARGS ?= --duration-s 300 --fault-interval-ms 150 --clients 8 --stores 4 --keys 200 --seed 42

.PHONY: chaos

chaos: build-test
	$(TESTBUILD)/bin/forkv-chaos $(CHAOS_ARGS)
