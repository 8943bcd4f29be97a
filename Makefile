# The project's interface: `make setup`, `build`, `test`, `run`, `bench`, `fixtures`.
# Every target installs what it needs first (`setup`), so each works on a fresh Debian 12 machine.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

PYTHON ?= python3
# Where `swift build` puts its products; set BUILD_DIR=.build-NAME to keep a build of your own.
BUILD_DIR ?= .build
NWBPEEK := $(BUILD_DIR)/debug/nwbpeek
NWBPEEK_RELEASE := $(BUILD_DIR)/release/nwbpeek
SAMPLE := TestData/fixtures/sample.nwb

# Debian packages the build and the tests need: headers for the system-library targets
# (Package.swift; libssl-dev for S3 request signing), pkg-config to find them, h5clear for the
# conformance oracle, GNU time for the malformed corpus (a child's own CPU time and peak memory).
APT_PACKAGES := libcurl4-openssl-dev zlib1g-dev pkg-config hdf5-tools libdeflate-dev libzstd-dev liblz4-dev libblosc-dev libaec-dev libssl-dev time
REQUIREMENTS := requirements.txt
# The stamp is keyed on the requirements' content: editing requirements.txt reruns setup.
SETUP_STAMP := .build/setup-$(shell sha256sum $(REQUIREMENTS) | cut -c1-16).stamp

.PHONY: setup build build-release test run bench fixtures fuzz replay-fuzz soak

setup: $(SETUP_STAMP)

$(SETUP_STAMP): $(REQUIREMENTS) Scripts/requirements_satisfied.py
	@missing=""; \
	for package in $(APT_PACKAGES); do \
		dpkg -s "$$package" >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "setup: installing Debian packages:$$missing"; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@if ! $(PYTHON) Scripts/requirements_satisfied.py $(REQUIREMENTS) 2>/dev/null; then \
		echo "setup: installing Python packages from $(REQUIREMENTS)"; \
		$(PYTHON) -m pip install --disable-pip-version-check -q -r $(REQUIREMENTS); \
		$(PYTHON) Scripts/requirements_satisfied.py $(REQUIREMENTS); \
	fi
	@mkdir -p $(dir $@)
	@rm -f .build/setup-*.stamp
	@touch $@
	@echo "setup: done"

build: setup
	swift build --scratch-path $(BUILD_DIR)

build-release: setup
	swift build --scratch-path $(BUILD_DIR) -c release

# Suites whose reads run against real servers with retry deadlines: run apart from the CPU-bound
# suites, which otherwise hold every thread of Swift's cooperative pool for minutes and make a
# deadline of the client pass while it waits for a thread, not for the network.
TIMED_SUITES := HTTPSourceTests|HTTPSourceCancellationTests|RetryAfterServedTests|RemoteListingTests|SeaweedFSTests

# The value tests run against the release build too: Swift's optimizer once turned a copy the
# debug build ran right into a crash (ArrayReader.swift, `copyElements`).
RELEASE_SUITES := Tests/Conformance/test_cat_conformance.py Tests/Conformance/test_cat_streamed.py

test: build replay-fuzz
	swift test --scratch-path $(BUILD_DIR) --skip "$(TIMED_SUITES)"
	swift test --scratch-path $(BUILD_DIR) --filter "$(TIMED_SUITES)"
	swift build --scratch-path $(BUILD_DIR) -c release --product nwbpeek
	NWBPEEK=$(NWBPEEK_RELEASE) $(PYTHON) -m pytest -q -rs $(RELEASE_SUITES)
	NWBPEEK=$(NWBPEEK) $(PYTHON) -m pytest -q -rs Tests/Conformance Tests/NWB Tests/Index Tests/Malformed Tests/Remote

run: build
	$(NWBPEEK) ls --recursive $(SAMPLE)

# The benchmark (Docs/BENCHMARKS.md): `nwbpeek-bench` generates its data on first use (two files of
# about 470 MB, a few minutes each, into Benchmarks/data/) and prints one table. BENCH_FLAGS passes
# options (`--local-only`, `--runs N`; see `nwbpeek-bench --help`).
BENCH_FLAGS ?=

bench: build-release
	$(BUILD_DIR)/release/nwbpeek-bench $(BENCH_FLAGS)

fixtures: setup
	$(PYTHON) TestData/generate_fixtures.py

# Fuzzing (Fuzz/README.md). The harnesses link with lld, which lets Swift's `main` replace
# libFuzzer's; a toolset file names the lld beside the Swift compiler.
FUZZ_SECONDS ?= 60
FUZZ_BUILD := .build-fuzz
FUZZ_TARGETS := FuzzFile FuzzMessages FuzzCodecs FuzzRemote
FUZZ_FLAGS := -c release --scratch-path $(FUZZ_BUILD) --toolset $(FUZZ_BUILD)/toolset.json \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING

fuzz: setup
	@mkdir -p $(FUZZ_BUILD)
	@printf '{"schemaVersion": "1.0", "linker": {"path": "%s"}}\n' \
		"$$(dirname "$$(readlink -f "$$(command -v swift)")")/ld.lld" > $(FUZZ_BUILD)/toolset.json
	for target in $(FUZZ_TARGETS); do swift build $(FUZZ_FLAGS) --product $$target; done
	FUZZ_SECONDS=$(FUZZ_SECONDS) Scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_TARGETS)

# Replays every committed fuzzing regression input through the harnesses built normally, with
# 1 GiB of address space (`ulimit -v`): an input that once made a harness reserve more than the
# fuzzer's memory limit fails here again if the bound is lost.
replay-fuzz: build
	@for target in $(FUZZ_TARGETS); do \
		inputs=$$(find Fuzz/regressions/$$target -type f ! -name '.*' | sort); \
		if [ -n "$$inputs" ]; then (ulimit -v 1048576; $(BUILD_DIR)/debug/$$target $$inputs); fi; \
	done
	@echo "replay-fuzz: every committed regression input replayed"

# The soak of issue 8 (Tests/HDF5Tests/SoakTests.swift): 10,000 random slices over HTTP with
# injected 503s, resets and truncations; NWBPEEK_SOAK_READS to change. About 8 minutes.
soak: build
	NWBPEEK_SOAK=1 swift test --scratch-path $(BUILD_DIR) --filter SoakTests
