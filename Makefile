# rslab — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT ?= swift
# Tests run against an optimised build: gradient checks and small training runs are
# too slow unoptimised. -enable-testing lets tests reach internal kernels (naive twins).
CONFIG := -c release -Xswiftc -enable-testing
BIN := .build/release/rslab

.PHONY: run test build setup bench fuzz clean docs

run: setup build
	@$(BIN)

# The performance guard runs first so the run closes on XCTest's summary line.
test: setup
	$(SWIFT) build $(CONFIG) --build-tests
	# Performance regression guard (a ratio to sgemm measured in the same run; ~10 s).
	$(SWIFT) build $(CONFIG) --product rslab-bench
	.build/release/rslab-bench --threads 2 guard
	$(SWIFT) test $(CONFIG) --skip-build --disable-swift-testing

build: setup
	$(SWIFT) build $(CONFIG) --product rslab

setup:
	@scripts/setup.sh

bench: setup build
	scripts/bench/run.sh

clean:
	rm -rf .build
