# ax: see README.md. Every target runs as root on Debian 12 (the tests make network namespaces).
SHELL := /bin/bash
DOTNET ?= dotnet
OUT := out

.PHONY: all build test demo bench soak deps clean format install uninstall deb image

all: build

deps:
	bash scripts/install-deps.sh

build: $(OUT)/ax $(OUT)/ax-core

# out/ax is the static front (src/Ax/Launcher/Native/container.c): main.c linked statically against musl,
# so `ax` starts whatever the image's C library, or none. It runs the plain `ax run` itself and execs
# out/ax-core, the NativeAOT program beside it, for everything else. musl-gcc sees only musl's headers,
# so the kernel's uapi headers (linux/seccomp.h) are linked in alone, without glibc's.
$(OUT)/ax: src/Ax/Launcher/Native/main.c src/Ax/Launcher/Native/container.c Makefile
	@mkdir -p $(OUT)/.musl-include
	ln -sfn /usr/include/linux $(OUT)/.musl-include/linux
	ln -sfn /usr/include/asm-generic $(OUT)/.musl-include/asm-generic
	ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $(OUT)/.musl-include/asm
	musl-gcc -static -std=gnu11 -O2 -Wall -Wextra -Werror -DAX_FRONT -isystem $(OUT)/.musl-include \
		src/Ax/Launcher/Native/main.c src/Ax/Launcher/Native/container.c -o $(OUT)/ax.tmp
	strip $(OUT)/ax.tmp
	@# rename, not copy: a running ax (a daemon, a benchmark) keeps its old file
	mv -f $(OUT)/ax.tmp $(OUT)/ax
	@rm -f $(OUT)/ax-container # the front's former, separate name

$(OUT)/ax-core: $(shell find src -name '*.cs' -o -name '*.csproj' -o -name '*.c') Directory.Build.props Directory.Packages.props VERSION
	$(DOTNET) publish src/Ax/Ax.csproj -c Release -r linux-x64 -o $(OUT)/.publish -p:DebugType=none -nologo -v quiet
	@# rename, not copy: a running ax (a daemon, a benchmark) keeps its old file
	mv -f $(OUT)/.publish/ax $(OUT)/ax-core
	@test -x $(OUT)/ax-core

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

# Installation (README, "Installing"): the binary, the systemd unit and its settings file; DESTDIR stages
# the same files under another root. A settings file already there is kept: it is the admin's.
# AX_BIN installs another build of ax (the tests install the one they run); ax-core, the rest of ax that
# the front execs, is installed from beside it, into the same directory.
VERSION := $(shell cat VERSION)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
DEFAULTFILE ?= /etc/default/ax
AX_BIN ?= $(OUT)/ax
AX_CORE = $(dir $(AX_BIN))ax-core

install: $(AX_BIN) $(AX_CORE)
	install -D -m 755 $(AX_BIN) $(DESTDIR)$(BINDIR)/ax
	install -m 755 $(AX_CORE) $(DESTDIR)$(BINDIR)/ax-core
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DEFAULTFILE@|$(DEFAULTFILE)|g' packaging/ax.service.in > $(DESTDIR)$(UNITDIR)/ax.service
	chmod 644 $(DESTDIR)$(UNITDIR)/ax.service
	@if [ -e $(DESTDIR)$(DEFAULTFILE) ]; then echo "install: kept $(DESTDIR)$(DEFAULTFILE)"; \
		else install -D -m 644 packaging/ax.default $(DESTDIR)$(DEFAULTFILE); fi
	@if [ -z "$(DESTDIR)" ]; then echo "installed; start the daemon with: systemctl daemon-reload && systemctl enable --now ax"; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ax $(DESTDIR)$(BINDIR)/ax-core $(DESTDIR)$(UNITDIR)/ax.service $(DESTDIR)$(DEFAULTFILE)

# A Debian package of the same files, made by dpkg-deb from a tree staged by `make install` (PREFIX=/usr,
# the unit where Debian 12 keeps packaged units), with the maintainer scripts of packaging/debian.
# libc6's version is the newest glibc symbol version ax-core uses (the front is static); libssl3 is loaded by .NET's
# TLS (--tls); serf is the gossip agent of a cluster (--neighbors).
DEB_ARCH = $(shell dpkg --print-architecture)
DEB = $(OUT)/ax_$(VERSION)_$(DEB_ARCH).deb
DEB_ROOT = $(OUT)/deb
DEB_COMPRESS ?= -Zxz

deb: $(AX_BIN) $(AX_CORE)
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_ROOT)) PREFIX=/usr UNITDIR=/lib/systemd/system DEFAULTFILE=/etc/default/ax AX_BIN=$(abspath $(AX_BIN))
	install -d -m 755 $(DEB_ROOT)/DEBIAN
	install -m 644 packaging/debian/conffiles $(DEB_ROOT)/DEBIAN/
	install -m 755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm $(DEB_ROOT)/DEBIAN/
	glibc=$$(objdump -T $(AX_CORE) | sed -n 's/.*GLIBC_\([0-9][0-9.]*\).*/\1/p' | sort -V | tail -1); \
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' \
		-e "s|@SIZE@|$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)|" \
		-e "s|@DEPENDS@|libc6 (>= $$glibc), libssl3, serf|" packaging/debian/control.in > $(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group $(DEB_COMPRESS) --build $(DEB_ROOT) $(DEB)

# The ax image (README, "Installing"), built locally with podman FROM scratch: ax, ax-core, serf and
# the C libraries they need; its entrypoint installs ax and ax-core into the host's /usr/bin and runs the daemon.
# packaging/compose/docker-compose.yaml starts it as the seed's compose file does.
IMAGE ?= localhost/ax

image: $(OUT)/ax $(OUT)/ax-core
	bash packaging/image/build.sh $(OUT) $(IMAGE):$(VERSION)
	podman tag $(IMAGE):$(VERSION) $(IMAGE):latest

clean:
	rm -rf $(OUT) src/*/bin src/*/obj tests/*/bin tests/*/obj

format:
	$(DOTNET) format ax.slnx --verify-no-changes
