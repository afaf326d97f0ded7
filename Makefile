# One command tests everything: make test (the README and .ci/run use it).
.PHONY: test check bench build image

test:
	go test -race -count=1 ./...

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

bench:
	go test -run '^$$' -bench . -benchmem ./...

build:
	go build -o bin/peerbot ./cmd/peerbot

# The container image (Dockerfile; cmd/peerbot's TestStaticBuild checks its
# go build line where docker cannot run).
image:
	docker build -t peerbot --build-arg VERSION=$$(git describe --always --dirty) .
