#!/usr/bin/env bash
# Catalog load benchmark (issue: suppliers list, shoppers find). Measures, in one run on this
# machine with wrk beside the servers (wrk -t2 -c64):
#   a bare axum handler; the cached product list and detail; search with filters rotating
#   over 1,800 combinations, on the normal server (response cache on, 2 s warm-up) and with
#   the response cache off; the uncached product detail through sea-orm; a raw sqlx
#   primary-key read.
# Needs PostgreSQL and Redis (started if absent) and a 10,000-product demo catalogue, which it
# seeds into a database of its own (bangfu_bench).
#   bash benches/catalog.sh            # 10 s per endpoint
#   BENCH_SECONDS=30 bash benches/catalog.sh
#   BENCH_ROUNDS=5 bash benches/catalog.sh   # rounds of uncached detail vs raw sqlx (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
export BENCH_PRODUCTS=${BENCH_PRODUCTS:-10000}
bash .ci/services
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

# One invocation for both, so both scripts share one feature set and nothing is rebuilt.
cargo build --release --bin bangfu --bench bare_axum
BARE=$(ls -t target/release/deps/bare_axum-* | grep -v '\.d$' | head -n1)

DB=bangfu_bench
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" postgres
work=$(mktemp -d)
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" REDIS_URL=redis://127.0.0.1:6379 \
  BANGFU_REDIS_PREFIX="bench:$$:" BANGFU_SESSION_SECRET="bench-secret-bench-secret-bench-secret-00" \
  BANGFU_DATA_DIR="$work" BANGFU_LOG_FORMAT=json RUST_LOG=warn BANGFU_EMBEDDED_WORKER=false
./target/release/bangfu migrate
echo "seeding $BENCH_PRODUCTS extra products…"
time ./target/release/bangfu seed --demo --products "$BENCH_PRODUCTS" >/dev/null
# Statistics for the bulk load now rather than whenever autovacuum gets to it.
psql -h 127.0.0.1 -U postgres -qc "ANALYZE" "$DB"

BANGFU_BIND=127.0.0.1:18901 ./target/release/bangfu serve >"$work/cached.log" 2>&1 &
p1=$!
BANGFU_BIND=127.0.0.1:18902 BANGFU_CATALOG_CACHE_MB=0 ./target/release/bangfu serve >"$work/uncached.log" 2>&1 &
p2=$!
"$BARE" --bind 127.0.0.1:18990 --database-url "$DATABASE_URL" >"$work/bare.log" 2>&1 &
p3=$!
trap 'kill $p1 $p2 $p3 2>/dev/null; wait 2>/dev/null; redis-cli --scan --pattern "bench:$$:*" | xargs -r redis-cli del >/dev/null; rm -rf "$work"' EXIT
for port in 18901 18902; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:18990/bare" >/dev/null && break; sleep 0.1; done

results="$work/results.txt"
: >"$results"
run() { # name url [script] [warm-up seconds]
  local name=$1 url=$2 script=${3:-} warm=${4:-2}
  local args=(-t2 -c64 -d"${SECS}s" --latency)
  [ -n "$script" ] && args+=(-s "$script")
  wrk "${args[@]}" -d"${warm}s" "$url" >/dev/null 2>&1 || true   # warm up (and fill caches)
  local out
  out=$(wrk "${args[@]}" "$url")
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}" | tee -a "$results"
}
echo "name	req/s	p50	p99	non-2xx"
run bare_axum "http://127.0.0.1:18990/bare"
run list_cached "http://127.0.0.1:18901/api/products?limit=20"
run detail_cached "http://127.0.0.1:18901" benches/wrk/rotate_detail.lua 8
run search_filters "http://127.0.0.1:18901" benches/wrk/search.lua
run search_filters_uncached "http://127.0.0.1:18902" benches/wrk/search.lua
# The pair whose ratio is the target, in alternating rounds (this machine's speed drifts by
# up to 1.5 x within minutes): the table shows each one's median and the median of the
# rounds' ratios.
for round in $(seq 1 "$ROUNDS"); do
  run "detail_uncached_seaorm#$round" "http://127.0.0.1:18902" benches/wrk/rotate_detail.lua
  run "raw_sqlx_pk#$round" "http://127.0.0.1:18990" benches/wrk/rotate_pk.lua
  # For comparison only: raw sqlx through a pool tuned as the application's (ping after 5 s
  # idle); the target is against sqlx's default pool above.
  PK_PATH=/pk-idle-ping run "raw_sqlx_pk_idle_ping#$round" "http://127.0.0.1:18990" benches/wrk/rotate_pk.lua
done

python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    if line.strip():
        name, rps, p50, p99, _ = line.strip().split('\t')
        base, _, rnd = name.partition('#')
        runs.setdefault(base, []).append((float(rps), p50, p99, rnd))
def median_run(base):
    rs = sorted(runs[base], key=lambda r: r[0])
    return rs[len(rs) // 2]
print()
print("| endpoint | req/s | p50 | p99 | ratio |")
print("|---|---|---|---|---|")
ref = {"list_cached": "bare_axum", "detail_cached": "bare_axum", "detail_uncached_seaorm": "raw_sqlx_pk"}
for base in runs:
    rps, p50, p99, _ = median_run(base)
    ratio = ""
    if base in ref:
        other = {r[3]: r[0] for r in runs[ref[base]]}
        ratios = [r[0] / other[r[3]] for r in runs[base] if r[3] in other] \
            or [r[0] / median_run(ref[base])[0] for r in runs[base]]
        rounds = f" (median of {len(ratios)} rounds: {', '.join(f'{x:.2f}' for x in ratios)})" if len(ratios) > 1 else ""
        ratio = f"{statistics.median(ratios):.2f} x {ref[base]}{rounds}"
    n = f" (median of {len(runs[base])})" if len(runs[base]) > 1 else ""
    print(f"| {base} | {rps:,.0f}{n} | {p50} | {p99} | {ratio} |")
tuned = {r[3]: r[0] for r in runs.get("raw_sqlx_pk_idle_ping", [])}
same = [r[0] / tuned[r[3]] for r in runs["detail_uncached_seaorm"] if r[3] in tuned]
if same:
    print(f"\nuncached detail / raw sqlx with the same pool tuning: {statistics.median(same):.2f} "
          f"(rounds: {', '.join(f'{x:.2f}' for x in same)})")
PY
