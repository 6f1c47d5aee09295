# A Go service built in one stage and shipped in a slim Debian stage that runs as root.
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/inventory ./cmd/inventory

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

FROM runtime
COPY --from=build /out/inventory /usr/local/bin/inventory
EXPOSE 443
ENTRYPOINT ["/usr/local/bin/inventory"]
CMD ["--listen", ":443"]
