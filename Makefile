# ax: see README.md. Every target runs as root on Debian 12 (the tests make network namespaces).
SHELL := /bin/bash
DOTNET ?= dotnet
OUT := out

.PHONY: all build test demo bench soak deps clean format

all: build

deps:
	bash scripts/install-deps.sh

build: $(OUT)/ax $(OUT)/ax-container

# The static launcher for containers (src/Ax/Launcher/Native/container.c): `ax run` in any root filesystem,
# whatever its C library. musl-gcc sees only musl's headers, so the kernel's uapi headers (linux/seccomp.h)
# are linked in alone, without glibc's.
$(OUT)/ax-container: src/Ax/Launcher/Native/main.c src/Ax/Launcher/Native/container.c
	@mkdir -p $(OUT)/.musl-include
	ln -sfn /usr/include/linux $(OUT)/.musl-include/linux
	ln -sfn /usr/include/asm-generic $(OUT)/.musl-include/asm-generic
	ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $(OUT)/.musl-include/asm
	musl-gcc -static -std=gnu11 -O2 -Wall -Wextra -Werror -DAX_CONTAINER_LAUNCHER -isystem $(OUT)/.musl-include \
		src/Ax/Launcher/Native/main.c src/Ax/Launcher/Native/container.c -o $(OUT)/ax-container.tmp
	strip $(OUT)/ax-container.tmp
	mv -f $(OUT)/ax-container.tmp $(OUT)/ax-container

$(OUT)/ax: $(shell find src -name '*.cs' -o -name '*.csproj' -o -name '*.c') Directory.Build.props Directory.Packages.props
	$(DOTNET) publish src/Ax/Ax.csproj -c Release -r linux-x64 -o $(OUT)/.publish -p:DebugType=none -nologo -v quiet
	@# rename, not copy: a running ax (a daemon, a benchmark) keeps its old file
	mv -f $(OUT)/.publish/ax $(OUT)/ax
	@test -x $(OUT)/ax

# Unit tests, and end-to-end tests that run out/ax in network namespaces (needs root).
test: build
	@set -o pipefail; AX_BINARY=$(abspath $(OUT)/ax) $(DOTNET) test tests/Ax.Tests/Ax.Tests.csproj -c Release -nologo \
		--logger "console;verbosity=normal" 2>&1 | tee $(OUT)/test.log; status=$$?; \
	passed=$$(sed -n 's/^ *Passed: *\([0-9]*\)$$/\1/p' $(OUT)/test.log | tail -1); \
	failed=$$(sed -n 's/^ *Failed: *\([0-9]*\)$$/\1/p' $(OUT)/test.log | tail -1); \
	if [ "$${failed:-0}" != 0 ]; then echo "== failed tests =="; \
		awk '/^ *Failed [A-Z]/{on=1} /^ *Passed [A-Z]/{on=0} on' $(OUT)/test.log | head -150; fi; \
	echo "tests: $${passed:-0} passed, $${failed:-0} failed"; exit $$status

# Sets up a fresh Debian machine (as root) and walks through the seed's demo in a throw-away node.
demo: deps build
	bash scripts/demo.sh

bench: build
	bash bench/run.sh

# Bounded soak (SOAK_SECONDS, default 600): daemon RSS, threads and fds over time; not part of `make test`.
soak: build
	bash bench/soak.sh

clean:
	rm -rf $(OUT) src/*/bin src/*/obj tests/*/bin tests/*/obj

format:
	$(DOTNET) format ax.slnx --verify-no-changes
