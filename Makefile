# ax: see README.md. Every target runs as root on Debian 12 (the tests make network namespaces).
SHELL := /bin/bash
DOTNET ?= dotnet
OUT := out

.PHONY: all build test unit e2e demo bench soak deps clean format

all: build

deps:
	bash scripts/install-deps.sh

build: $(OUT)/ax

$(OUT)/ax: $(shell find src -name '*.cs' -o -name '*.csproj') Directory.Build.props Directory.Packages.props
	$(DOTNET) publish src/Ax/Ax.csproj -c Release -r linux-x64 -o $(OUT) -p:DebugType=none -nologo -v quiet
	@test -x $(OUT)/ax

test: build
	AX_BINARY=$(abspath $(OUT)/ax) $(DOTNET) test tests/Ax.Tests/Ax.Tests.csproj -c Release -nologo --logger "console;verbosity=normal"

demo: build
	bash scripts/demo.sh

bench: build
	bash bench/run.sh

clean:
	rm -rf $(OUT) src/*/bin src/*/obj tests/*/bin tests/*/obj

format:
	$(DOTNET) format ax.slnx --verify-no-changes
