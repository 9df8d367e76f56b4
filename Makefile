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
	exec $(RELEASE)/bin/forkv-manager --data-dir $(DATA_DIR) $(ARGS)

# Test build: fault hooks and kill points compiled in (never in release).
$(TESTBUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(TESTBUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFORKV_TEST_HOOKS=ON

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

$(ASANBUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(ASANBUILD) -DCMAKE_BUILD_TYPE=Debug -DFORKV_TEST_HOOKS=ON -DFORKV_SANITIZE=ON

# Unit and integration tests under AddressSanitizer + UBSan (CI runs this too).
test-asan: deps $(ASANBUILD)/CMakeCache.txt
	$(CMAKE) --build $(ASANBUILD) -j$(JOBS)
	cd $(ASANBUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j2 --timeout 600 -L "unit|integration"

install: build
	$(CMAKE) --install $(RELEASE) --prefix $(DESTDIR)$(PREFIX)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
