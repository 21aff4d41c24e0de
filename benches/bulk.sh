#!/usr/bin/env bash
# Bulk-order benchmark (issue: canteens buy in bulk). Against the release binary on a fresh
# PostgreSQL database with the demo data, in one run:
#  1. A 1,000-line order sheet (XLSX-equivalent CSV over the demo's listed SKUs): the upload's
#     dry run and the all-or-nothing commit of the same 1,000 lines, each timed 5 times
#     (median and max, seconds, as curl measures them end to end).
#  2. 100 concurrent forms of 50 lines over 8 overlapping SKUs from 20 units' buyers: forms
#     per second, p99 latency, refusals (stock ran out), 5xx (must be 0), and the stock check
#     (left + held = initial for every SKU).
#   bash benches/bulk.sh            (BENCH_BIN=./target/debug/bangfu to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/services
BIN=${BENCH_BIN:-./target/release/bangfu}
if [ -z "${BENCH_BIN:-}" ]; then cargo build --release --bin bangfu; fi
DB=bangfu_bench_bulk
PSQL="psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt"
$PSQL -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
$PSQL -c "CREATE DATABASE $DB" postgres
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" BANGFU_SESSION_SECRET="bench-secret-bench-secret-bench-secret-00" \
  BANGFU_DATA_DIR="$work" BANGFU_BIND="127.0.0.1:$port" BANGFU_LOG_FORMAT=json RUST_LOG=warn \
  BANGFU_LOGIN_MAX_PER_IP=100000
"$BIN" migrate >/dev/null
"$BIN" seed --demo >/dev/null
"$BIN" serve >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
$PSQL "$DB" -c "UPDATE product_skus SET stock = 100000000, min_order_qty = 1"
python3 - "$port" "$DATABASE_URL" "$work" <<'PY'
import json, statistics, subprocess, sys, time, urllib.request, concurrent.futures as cf
port, dburl, work = sys.argv[1], sys.argv[2], sys.argv[3]
base = f"http://127.0.0.1:{port}"
def call(method, path, body=None, token=None, raw=None, ctype="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None: req.add_header("content-type", ctype)
    if token: req.add_header("authorization", "Bearer " + token)
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read() or b"null"), time.perf_counter() - t
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), time.perf_counter() - t
def login(name):
    s, b, _ = call("POST", "/api/auth/login", {"login": name, "password": "bangfu-demo"})
    assert s == 200, (name, s, b)
    return b["token"], b
token, me = login("buyer")
unit = next(g["org"]["id"] for g in me["me"]["roles"] if g["role"] == "buyer")
def psql(sql):
    return subprocess.run(["psql", dburl, "-qAt", "-c", sql], check=True, capture_output=True, text=True).stdout.split()
skus = psql("SELECT s.product_id || ',' || s.spec FROM product_skus s JOIN products p ON p.id = s.product_id WHERE p.status = 'listed' AND s.active ORDER BY s.id")
rows = ["商品编码或名称,规格,数量"] + [f"P{skus[i % len(skus)].split(',',1)[0]},{skus[i % len(skus)].split(',',1)[1]},2" for i in range(1000)]
csv_bytes = ("\n".join(rows) + "\n").encode()
boundary = "benchboundary7f3a"
body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"buyer_org_id\"\r\n\r\n{unit}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"order.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + csv_bytes + f"\r\n--{boundary}--\r\n".encode()
dry, commit = [], []
for n in range(5):
    s, b, t = call("POST", "/api/procurement/orders/upload", raw=body, token=token, ctype=f"multipart/form-data; boundary={boundary}")
    assert s == 200 and b["dry_run"]["problem_count"] == 0, (s, str(b)[:500])
    dry.append(t)
    form = {"buyer_org_id": unit, "lines": b["lines"], "submission_key": f"bench-thousand-{n:03d}",
            "delivery": {"contact": "食堂主管", "phone": "13800138000", "address": "深圳市福田区福中三路1号食堂"}}
    s, p, t = call("POST", "/api/procurement/orders", form, token=token)
    assert s == 201 and sum(len(o["lines"]) for o in p["orders"]) == 1000, (s, str(p)[:500])
    commit.append(t)
print(f"1,000-line sheet: dry run median {statistics.median(dry):.3f} s (max {max(dry):.3f}); "
      f"commit median {statistics.median(commit):.3f} s (max {max(commit):.3f})")
# 100 concurrent forms of 50 lines over 8 SKUs, 20 buyers.
eight = psql("SELECT s.id FROM product_skus s JOIN products p ON p.id = s.product_id WHERE p.status = 'listed' AND s.active ORDER BY s.id LIMIT 8")
psql(f"UPDATE product_skus SET stock = 2000 WHERE id IN ({','.join(eight)})")
held_before = {k: int((psql(f"SELECT COALESCE(SUM(ordered_qty),0) FROM bulk_order_lines WHERE sku_id = {k}") or ['0'])[0]) for k in eight}
buyers = []
for i in range(2, 22):
    t, m = login(f"unit{i:02d}_buyer")
    buyers.append((next(g["org"]["id"] for g in m["me"]["roles"] if g["role"] == "buyer"), t))
def one(n):
    u, t = buyers[n % len(buyers)]
    lines = [{"sku_id": int(eight[(k * 7 + n * 3) % 8]), "quantity": 5} for k in range(50)]
    form = {"buyer_org_id": u, "lines": lines, "submission_key": f"bench-concurrent-{n:04d}",
            "delivery": {"contact": "食堂主管", "phone": "13800138000", "address": "深圳市福田区福中三路1号食堂"}}
    s, _, dt = call("POST", "/api/procurement/orders", form, token=t)
    return s, dt
t0 = time.perf_counter()
with cf.ThreadPoolExecutor(max_workers=32) as ex:
    results = list(ex.map(one, range(100)))
wall = time.perf_counter() - t0
lat = sorted(dt for _, dt in results)
placed = sum(1 for s, _ in results if s == 201)
refused = sum(1 for s, _ in results if s in (409, 422))
fivexx = sum(1 for s, _ in results if s >= 500)
exact = all(int(psql(f"SELECT stock FROM product_skus WHERE id = {k}")[0]) + int(psql(f"SELECT COALESCE(SUM(ordered_qty),0) FROM bulk_order_lines WHERE sku_id = {k}")[0]) - held_before[k] == 2000 for k in eight)
print(f"100 concurrent 50-line forms over 8 SKUs: {100/wall:.1f} forms/s, p99 {lat[98]:.3f} s, "
      f"placed {placed}, refused {refused} (stock ran out), 5xx {fivexx}, stock exact: {exact}")
assert fivexx == 0 and exact
PY
