#!/usr/bin/env bash
# End-to-end benchmarks over loopback with wrk (Debian package `wrk`):
#  1. GET /protected (authkit extractor) vs GET /open (no auth), axum and actix-web:
#     requests/s and p99, nine rounds of back-to-back 5 s runs (server and wrk pinned to separate cores), median of the per-round ratios.
#     The realistic rows (the headline): every request carries the next of 10,000 tokens of
#     distinct users and sessions (benches/pool.lua), with 10,000 live entries in the
#     revocation view, to both routes; the one-token rows are the kindest case.
#  2. Login flood: 50 concurrent logins (default argon2id) for 30 s while /healthz and a
#     protected GET are probed; p99 of each, and the server's peak memory.
# Usage: benches/e2e.sh   (from the repository root; builds the release server first)
# E2E_DURATION (default 5s) and E2E_RUNS (default 9) tune the throughput runs; E2E_FRAMEWORKS
# (default "axum actix") picks the frameworks; E2E_FLOOD=0 skips the login flood.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
cargo build --release -q -p authkit-benches --bin bench-server
BIN=${CARGO_TARGET_DIR:-target}/release/bench-server
PORT=18080
DUR=${E2E_DURATION:-5s}
RUNS=${E2E_RUNS:-9}
# Throughput runs pin the server and wrk to different cores when there are two or more, so they
# do not take cycles from each other; the login flood runs unpinned (hashing may use every core).
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    SERVER_CPU="taskset -c 1"; LOAD_CPU="taskset -c 0"
else
    SERVER_CPU=""; LOAD_CPU=""
fi

rps() { awk '/Requests\/sec/ {print $2}'; }
requests() { awk '/requests in/ {print $1}'; }
# The server's CPU time so far (user + system, all threads), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
# Server CPU microseconds per request of the wrk run whose output is /tmp/w.txt.
cpu_us_per_request() { # ticks before, ticks after
    awk -v a="$1" -v b="$2" -v n="$(requests < /tmp/w.txt)" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.3f", (b - a) * 1000000 / hz / n }'
}
p99() { awk '$1=="99%" {print $2}'; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
kib() { awk -v k="$1" '$1==k":" {print $2}' "/proc/$2/status"; }

start() { # framework, cpu pinning prefix
    $2 "$BIN" "$1" "$PORT" > /tmp/bench-server.out 2>/tmp/bench-server.err &
    SERVER=$!
    for _ in $(seq 1 600); do
        grep -q '^TOKEN=' /tmp/bench-server.out 2>/dev/null && curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
        sleep 0.1
    done
    TOKEN=$(sed -n 's/^TOKEN=//p' /tmp/bench-server.out)
}

stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }
# A failed run must not leave its server holding the port.
trap '[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true' EXIT

for fw in ${E2E_FRAMEWORKS:-axum actix}; do
    start "$fw" "$SERVER_CPU"
    : > /tmp/open.txt; : > /tmp/protected.txt; : > /tmp/open-token.txt
    : > /tmp/open-pool.txt; : > /tmp/protected-pool.txt
    for _ in $(seq 1 "$RUNS"); do
        $LOAD_CPU wrk -t1 -c32 -d"$DUR" --latency "http://127.0.0.1:$PORT/open" > /tmp/w.txt
        echo "$(rps < /tmp/w.txt) $(p99 < /tmp/w.txt)" >> /tmp/open.txt
        $LOAD_CPU wrk -t1 -c32 -d"$DUR" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/protected" > /tmp/w.txt
        grep -q "Non-2xx" /tmp/w.txt && { echo "protected route refused requests" >&2; cat /tmp/w.txt >&2; exit 1; }
        echo "$(rps < /tmp/w.txt) $(p99 < /tmp/w.txt)" >> /tmp/protected.txt
        # The same request as the protected one (token header included), to the open route:
        # what carrying the token costs the HTTP layer, apart from authkit's check.
        $LOAD_CPU wrk -t1 -c32 -d"$DUR" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/open" > /tmp/w.txt
        echo "$(rps < /tmp/w.txt) $(p99 < /tmp/w.txt)" >> /tmp/open-token.txt
        # The realistic pair: 10,000 distinct tokens, to the open and the protected route. The
        # Lua script makes wrk the bottleneck, so the server's CPU time per request is recorded
        # too: its ratio is the server's capacity ratio, whatever the client manages.
        t0=$(cpu_ticks)
        $LOAD_CPU wrk -t1 -c32 -d"$DUR" --latency -s benches/pool.lua "http://127.0.0.1:$PORT/open" > /tmp/w.txt
        echo "$(rps < /tmp/w.txt) $(p99 < /tmp/w.txt) $(cpu_us_per_request "$t0" "$(cpu_ticks)")" >> /tmp/open-pool.txt
        t0=$(cpu_ticks)
        $LOAD_CPU wrk -t1 -c32 -d"$DUR" --latency -s benches/pool.lua "http://127.0.0.1:$PORT/protected" > /tmp/w.txt
        grep -q "Non-2xx" /tmp/w.txt && { echo "protected route refused pool tokens" >&2; cat /tmp/w.txt >&2; exit 1; }
        echo "$(rps < /tmp/w.txt) $(p99 < /tmp/w.txt) $(cpu_us_per_request "$t0" "$(cpu_ticks)")" >> /tmp/protected-pool.txt
    done
    open_rps=$(cut -d' ' -f1 /tmp/open.txt | median); prot_rps=$(cut -d' ' -f1 /tmp/protected.txt | median)
    open_token_rps=$(cut -d' ' -f1 /tmp/open-token.txt | median)
    echo "$fw open:      req/s runs: $(cut -d' ' -f1 /tmp/open.txt | tr '\n' ' ') p99: $(cut -d' ' -f2 /tmp/open.txt | tr '\n' ' ')"
    echo "$fw protected: req/s runs: $(cut -d' ' -f1 /tmp/protected.txt | tr '\n' ' ') p99: $(cut -d' ' -f2 /tmp/protected.txt | tr '\n' ' ')"
    echo "$fw open+token: req/s runs: $(cut -d' ' -f1 /tmp/open-token.txt | tr '\n' ' ') p99: $(cut -d' ' -f2 /tmp/open-token.txt | tr '\n' ' ')"
    # Ratios per round (the three runs of a round are back to back, so machine drift cancels),
    # then the median over rounds.
    ratio_open=$(paste -d' ' /tmp/protected.txt /tmp/open.txt | awk '{print $1/$3}' | median)
    ratio_token=$(paste -d' ' /tmp/protected.txt /tmp/open-token.txt | awk '{print $1/$3}' | median)
    echo "$fw medians req/s: open $open_rps, open+token $open_token_rps, protected $prot_rps"
    echo "$fw protected/open, median of per-round ratios: $(printf '%.3f' "$ratio_open")"
    echo "$fw protected/open+token (the same request), median of per-round ratios: $(printf '%.3f' "$ratio_token")"
    echo "$fw open, 10k-token pool:      req/s runs: $(cut -d' ' -f1 /tmp/open-pool.txt | tr '\n' ' ') p99: $(cut -d' ' -f2 /tmp/open-pool.txt | tr '\n' ' ')"
    echo "$fw protected, 10k-token pool: req/s runs: $(cut -d' ' -f1 /tmp/protected-pool.txt | tr '\n' ' ') p99: $(cut -d' ' -f2 /tmp/protected-pool.txt | tr '\n' ' ')"
    # protected-pool.txt has three columns (req/s, p99, CPU µs/request): the other file's
    # req/s is the fourth.
    ratio_pool=$(paste -d' ' /tmp/protected-pool.txt /tmp/open-pool.txt | awk '{print $1/$4}' | median)
    ratio_pool_plain=$(paste -d' ' /tmp/protected-pool.txt /tmp/open.txt | awk '{print $1/$4}' | median)
    echo "$fw REALISTIC protected/open, 10k distinct tokens + 10k revocations, median of per-round ratios: $(printf '%.3f' "$ratio_pool")"
    echo "$fw protected (10k pool) / open without a token header: $(printf '%.3f' "$ratio_pool_plain")"
    echo "$fw server CPU us/request, 10k pool: open $(cut -d' ' -f3 /tmp/open-pool.txt | tr '\n' ' ')/ protected $(cut -d' ' -f3 /tmp/protected-pool.txt | tr '\n' ' ')"
    cpu_ratio=$(paste -d' ' /tmp/open-pool.txt /tmp/protected-pool.txt | awk '{print $3/$6}' | median)
    echo "$fw REALISTIC server capacity protected/open (CPU per request, open/protected), median: $(printf '%.3f' "$cpu_ratio")"
    stop
    [ "${E2E_FLOOD:-1}" = 0 ] && continue

    start "$fw" ""
    rss_before=$(kib VmRSS "$SERVER")
    wrk -t1 -c50 -d30s --latency -s benches/login.lua "http://127.0.0.1:$PORT/auth/login" > /tmp/flood.txt &
    FLOOD=$!
    sleep 3
    wrk -t1 -c4 -d10s --latency "http://127.0.0.1:$PORT/healthz" > /tmp/health.txt
    wrk -t1 -c4 -d10s --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/protected" > /tmp/prot-flood.txt
    wait "$FLOOD"
    echo "$fw login flood: logins/s $(rps < /tmp/flood.txt) (login p99 $(p99 < /tmp/flood.txt 2>/dev/null || true)), /healthz p99 $(p99 < /tmp/health.txt) at $(rps < /tmp/health.txt) req/s, protected p99 $(p99 < /tmp/prot-flood.txt)"
    echo "$fw memory: RSS before flood ${rss_before} KiB, peak (VmHWM) $(kib VmHWM "$SERVER") KiB"
    stop
done
