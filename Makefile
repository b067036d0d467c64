# callme: see README.md. `make run` starts a dev server, `make test` runs
# every test under the race detector.

GO ?= go
BIN := $(CURDIR)/bin

# Code generators, pinned so `make proto` gives the committed output.
BUF_VERSION := v1.75.0
PROTOC_GEN_GO_VERSION := v1.36.12

.PHONY: run test build proto vet bench-go bench crash clean

run:
	$(GO) run ./cmd/callme serve --dev

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 9m ./...

build:
	$(GO) build -o $(BIN)/callme ./cmd/callme

proto:
	GOBIN=$(BIN) $(GO) install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)
	GOBIN=$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	PATH="$(BIN):$$PATH" buf generate

# Micro-benchmarks; results and machines are recorded in BENCHMARKS.md.
bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./persistence/

# A short lunch rush against a server the bench starts itself.
bench:
	$(GO) run ./cmd/callme bench rush --spawn --duration 10s

# kill -9 during a rush, then check every acknowledged payment survived.
crash:
	$(GO) test -race -count=1 -tags crash -run Crash -v ./e2e/

clean:
	rm -rf $(BIN)
