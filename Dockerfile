# peerbot: a static binary in a distroless image, run as a non-root user.
#
#   docker build -t peerbot --build-arg VERSION=$(git describe --always) .
#
# deploy/docker-compose.yml runs it with Redis; deploy/k8s has a Kubernetes
# example. Docker cannot run in the project's CI: cmd/peerbot's
# TestStaticBuild runs the `go build` line below (it reads it from this
# file) and checks that the binary is static and accepts the sample config.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/peerbot ./cmd/peerbot

# distroless/static: CA certificates and time zones, no shell, no package
# manager; the nonroot user (65532) owns /home/nonroot, where the embedded
# store would keep its file when Redis is not configured.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/peerbot /peerbot
COPY deploy/peerbot.yaml /etc/peerbot/peerbot.yaml
ENV PEERBOT_CONFIG=/etc/peerbot/peerbot.yaml
USER 65532:65532
EXPOSE 8080
# The image has no curl: the binary asks itself (GET /healthz on http.addr).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/peerbot", "health"]
ENTRYPOINT ["/peerbot"]
CMD ["run"]
