#!/usr/bin/env bash
# Commerce load benchmark (issue: union coupons, checkout). In one run on this machine:
#  1. Claim storm: 20,000 members, a 5,000-coupon drop, limit 1, every member retrying (wrk
#     cycles through the members for the whole run): claim decisions per second, p50/p99, time
#     to sell out, coupons issued (must be 5,000); with Redis, then database-only. Browsing
#     latency (a product page, 8 connections) is measured idle and during the Redis storm.
#     Before the drop every member opens the app (two GET /api/me each), as members waiting
#     for a drop do, so sessions are warm in each server's session cache.
#  2. Checkout with a coupon on PostgreSQL: orders per second and p99, beside pgbench's
#     tpcb-like rate measured in the same run.
#   bash benches/commerce.sh          (BENCH_SECONDS=10 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${BENCH_SECONDS:-10}
MEMBERS=${BENCH_MEMBERS:-20000}
DROP=${BENCH_DROP:-5000}
BUYERS=${BENCH_BUYERS:-30000}
# Long enough for two requests per session at a few thousand per second (checked: the
# warm-up prints how many requests it sent).
WARM_SECS=${BENCH_WARM_SECONDS:-30}
bash .ci/services
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# Same invocation as benches/catalog.sh, so neither script rebuilds the other's binary.
cargo build --release --bin bangfu --bench bare_axum

DB=bangfu_bench_commerce
PSQL="psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt"
$PSQL -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
$PSQL -c "CREATE DATABASE $DB" postgres
work=$(mktemp -d)
SECRET="bench-secret-bench-secret-bench-secret-00"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" BANGFU_SESSION_SECRET="$SECRET" \
  BANGFU_DATA_DIR="$work" BANGFU_LOG_FORMAT=json RUST_LOG=warn BANGFU_EMBEDDED_WORKER=false \
  BANGFU_CLAIM_MAX_PER_IP=100000000 BANGFU_CLAIM_MAX_PER_MEMBER=1000000
./target/release/bangfu migrate
./target/release/bangfu seed --demo >/dev/null

echo "creating $MEMBERS members and $BUYERS buyers with sessions…"
python3 - "$work" "$SECRET" "$MEMBERS" "$BUYERS" <<'PY'
import csv, hashlib, hmac, os, sys
work, secret, members, buyers = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), int(sys.argv[4])
def rows(prefix, n, path_users, path_tokens):
    with open(path_users, "w", newline="") as f, open(path_tokens, "w") as t:
        w = csv.writer(f)
        for i in range(n):
            tok = f"{prefix}{i}-" + os.urandom(12).hex()
            w.writerow([f"{prefix}{i}", hmac.new(secret, tok.encode(), hashlib.sha256).hexdigest(), os.urandom(8).hex()])
            t.write(tok + "\n")
rows("claimer", members, f"{work}/claimers.csv", f"{work}/claimers.tokens")
rows("loadbuyer", buyers, f"{work}/buyers.csv", f"{work}/buyers.tokens")
PY
$PSQL "$DB" <<SQL
CREATE TEMP TABLE load(username text, token_hash text, csrf text);
\copy load FROM '$work/claimers.csv' CSV
\copy load FROM '$work/buyers.csv' CSV
INSERT INTO users (username, display_name, status, created_at, updated_at)
  SELECT username, username, 'active', now(), now() FROM load;
INSERT INTO user_roles (user_id, org_id, role, created_at)
  SELECT u.id, (SELECT id FROM organizations WHERE name = '福田区总工会（演示）'), 'member', now() FROM users u JOIN load l USING (username);
INSERT INTO member_roster (union_org_id, member_no, name, phone, work_unit, status, user_id, created_at, updated_at)
  SELECT (SELECT id FROM organizations WHERE name = '福田区总工会（演示）'), 'B' || u.id, u.username, '137' || lpad(u.id::text, 8, '0'), '压测单位', 'active', u.id, now(), now()
  FROM users u JOIN load l USING (username);
INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
  SELECT l.token_hash, u.id, l.csrf, now(), now(), now() + interval '1 day' FROM users u JOIN load l USING (username);
-- The drop: $DROP coupons, open since midnight.
INSERT INTO coupon_campaigns (union_org_id, name, face_value_fen, min_spend_fen, total_quantity, budget_fen, per_member_limit,
  per_member_daily_limit, audience_kind, audience_values, claim_mode, daily_quantity, drop_time, rollover, validity_kind, valid_days,
  scope, starts_on, ends_on, status, issued_count, created_at, updated_at)
VALUES ((SELECT id FROM organizations WHERE name = '深圳市总工会（演示）'), '压测券A', 1000, 0, $DROP, 1000 * $DROP, 1, 1, 'all', '[]', 'drop', $DROP, '00:00',
  false, 'relative', 30, '{"assistance_only":true}', (now() AT TIME ZONE 'Asia/Shanghai')::date, (now() AT TIME ZONE 'Asia/Shanghai')::date + 5, 'scheduled', 0, now(), now()),
       ((SELECT id FROM organizations WHERE name = '深圳市总工会（演示）'), '压测券B', 1000, 0, $DROP, 1000 * $DROP, 1, 1, 'all', '[]', 'drop', $DROP, '00:00',
  false, 'relative', 30, '{"assistance_only":true}', (now() AT TIME ZONE 'Asia/Shanghai')::date, (now() AT TIME ZONE 'Asia/Shanghai')::date + 5, 'scheduled', 0, now(), now());
-- Buyers: a coupon each (face 10 yuan) and a box of mango (79 yuan) in the cart; plenty of stock.
INSERT INTO coupon_campaigns (union_org_id, name, face_value_fen, min_spend_fen, total_quantity, budget_fen, per_member_limit,
  per_member_daily_limit, audience_kind, audience_values, claim_mode, rollover, validity_kind, valid_days, scope, starts_on, ends_on, status, issued_count, created_at, updated_at)
VALUES ((SELECT id FROM organizations WHERE name = '深圳市总工会（演示）'), '压测下单券', 1000, 0, $BUYERS, 1000 * $BUYERS, 1, 1, 'all', '[]', 'direct', false,
  'relative', 30, '{"assistance_only":true}', (now() AT TIME ZONE 'Asia/Shanghai')::date, (now() AT TIME ZONE 'Asia/Shanghai')::date + 5, 'scheduled', $BUYERS, now(), now());
INSERT INTO coupons (campaign_id, user_id, seq, claim_day, day_seq, face_value_fen, min_spend_fen, status, valid_from, valid_until, claimed_at, updated_at)
  SELECT (SELECT id FROM coupon_campaigns WHERE name = '压测下单券'), u.id, 1, current_date, 1, 1000, 0, 'available', now() - interval '1 hour', now() + interval '30 days', now(), now()
  FROM users u WHERE u.username ~ '^loadbuyer[0-9]+$';
INSERT INTO cart_items (user_id, sku_id, quantity, added_price_fen, updated_at)
  SELECT u.id, 9, 1, 7900, now() FROM users u WHERE u.username ~ '^loadbuyer[0-9]+$';
UPDATE product_skus SET stock = 10000000 WHERE id = 9;
-- Statistics for the bulk load, as autovacuum would gather them a minute later: without them
-- the planner still believes the session and roster tables hold the demo's few rows.
ANALYZE;
SQL
CAMPAIGN_A=$($PSQL "$DB" -c "SELECT id FROM coupon_campaigns WHERE name = '压测券A'")
CAMPAIGN_B=$($PSQL "$DB" -c "SELECT id FROM coupon_campaigns WHERE name = '压测券B'")
# Each buyer's coupon id, in the order of the token file.
$PSQL "$DB" -c "SELECT c.id FROM coupons c JOIN users u ON u.id = c.user_id WHERE u.username ~ '^loadbuyer[0-9]+$' ORDER BY substring(u.username from 10)::int" >"$work/buyers.coupons"
paste -d' ' "$work/buyers.tokens" "$work/buyers.coupons" >"$work/buyers.txt"

cat >"$work/claim.lua" <<LUA
local tokens = {}
for line in io.lines("$work/claimers.tokens") do tokens[#tokens + 1] = line end
local counter = 0
local campaign = os.getenv("BENCH_CAMPAIGN")
request = function()
  counter = counter + 1
  local t = tokens[((counter * 7919) % #tokens) + 1]
  return wrk.format("POST", "/api/campaigns/" .. campaign .. "/claim", {["Authorization"] = "Bearer " .. t, ["Content-Type"] = "application/json"}, "{}")
end
LUA
cat >"$work/checkout.lua" <<LUA
local buyers = {}
for line in io.lines("$work/buyers.txt") do
  local t, c = line:match("(%S+) (%S+)")
  buyers[#buyers + 1] = {t, c}
end
local thread_id = 0
local counter = 0
setup = function(thread) thread_id = thread_id + 1; thread:set("tid", thread_id) end
request = function()
  counter = counter + 1
  -- Two threads take alternate buyers, each buyer checks out once.
  local b = buyers[(counter - 1) * 2 + tid]
  if b == nil then b = buyers[1] end
  local body = '{"address":{"recipient":"张伟","phone":"13900000001","province_code":"440000","city_code":"440300","district_code":"440304","detail":"福中三路1号"},"coupon_id":' .. b[2] .. ',"expected_amount_fen":6900}'
  return wrk.format("POST", "/api/checkout", {["Authorization"] = "Bearer " .. b[1], ["Content-Type"] = "application/json"}, body)
end
LUA

start_server() { # port, extra env
  local port=$1; shift
  env "$@" BANGFU_BIND=127.0.0.1:$port ./target/release/bangfu serve >"$work/serve-$port.log" 2>&1 &
  echo $!
}
p1=$(start_server 18911 REDIS_URL=redis://127.0.0.1:6379 BANGFU_REDIS_PREFIX="benchc:$$:")
p2=$(start_server 18912)
trap 'kill $p1 $p2 2>/dev/null; wait 2>/dev/null; redis-cli --scan --pattern "benchc:$$:*" | xargs -r redis-cli del >/dev/null; rm -rf "$work"' EXIT
for port in 18911 18912; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

# Members open the app before the drop: each session is used twice (GET /api/me), in order,
# by one wrk thread that stops sending after 2 x members requests (wrk still waits out -d;
# the line printed says how many were sent).
cat >"$work/warm.lua" <<'LUA'
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local counter = 0
local answered = 0
request = function()
  counter = counter + 1
  local t = tokens[((counter - 1) % #tokens) + 1]
  return wrk.format("GET", "/api/me", {["Authorization"] = "Bearer " .. t})
end
response = function(status, headers, body)
  answered = answered + 1
  if answered >= 2 * #tokens then wrk.thread:stop() end
end
LUA
warm() { # port tokens-file seconds
  BENCH_TOKENS=$2 wrk -t1 -c8 -d"$3"s -s "$work/warm.lua" "http://127.0.0.1:$1" | awk '/requests in/ {print "  warmed: " $1 " requests in " $4}'
}
summary() { # wrk output -> "rps p50 p99"
  awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print r, p50, p99}'
}
sold_out_after() { # campaign -> seconds until the drop is gone (polling), in the background
  local c=$1 start
  start=$(date +%s.%N)
  for _ in $(seq 1 600); do
    n=$($PSQL "$DB" -c "SELECT COALESCE(MAX(claimed), 0) FROM coupon_drops WHERE campaign_id = $c")
    if [ "$n" -ge "$DROP" ]; then python3 -c "print(round($(date +%s.%N) - $start, 2))"; return; fi
    sleep 0.05
  done
  echo "not sold out"
}

echo
echo "browsing idle:"
idle=$(wrk -t1 -c8 -d5s --latency http://127.0.0.1:18911/api/products/9 | summary)
echo "  $idle"

cut -d' ' -f1 "$work/buyers.txt" >"$work/buyers.only"

# Each server's sessions are warmed right before its own run: a cached session lives at most
# 60 s (src/auth/cache.rs), as for a member who opened the claim center within the last
# minute before the drop. (Warming all servers first, as this script once did, left every
# session expired by the time its storm began, so the storms measured session reads.)
echo "members open the app before the drop (sessions warm on the Redis server):"
warm 18911 "$work/claimers.tokens" "$WARM_SECS"

echo "claim storm with Redis (campaign $CAMPAIGN_A):"
sold_out_after "$CAMPAIGN_A" >"$work/soldout-a" &
poll=$!
wrk -t1 -c8 -d"${SECS}s" --latency http://127.0.0.1:18911/api/products/9 >"$work/browse-storm" &
browse=$!
storm_a=$(BENCH_CAMPAIGN=$CAMPAIGN_A wrk -t2 -c64 -d"${SECS}s" --latency -s "$work/claim.lua" http://127.0.0.1:18911 | summary)
wait $browse
wait $poll || true
during=$(summary <"$work/browse-storm")
issued_a=$($PSQL "$DB" -c "SELECT COUNT(*) FROM coupons WHERE campaign_id = $CAMPAIGN_A")
echo "  decisions/s p50 p99: $storm_a; sold out after $(cat "$work/soldout-a") s; issued $issued_a"
echo "  browsing during the storm: $during"

echo "members open the app before the drop (sessions warm on the database-only server):"
warm 18912 "$work/claimers.tokens" "$WARM_SECS"

echo "claim storm database-only (campaign $CAMPAIGN_B):"
sold_out_after "$CAMPAIGN_B" >"$work/soldout-b" &
poll=$!
storm_b=$(BENCH_CAMPAIGN=$CAMPAIGN_B wrk -t2 -c64 -d"${SECS}s" --latency -s "$work/claim.lua" http://127.0.0.1:18912 | summary)
wait $poll || true
issued_b=$($PSQL "$DB" -c "SELECT COUNT(*) FROM coupons WHERE campaign_id = $CAMPAIGN_B")
echo "  decisions/s p50 p99: $storm_b; sold out after $(cat "$work/soldout-b") s; issued $issued_b"

echo "buyers open the app (sessions warm):"
warm 18912 "$work/buyers.only" "$WARM_SECS"

echo "checkout with a coupon (PostgreSQL):"
before=$($PSQL "$DB" -c "SELECT COUNT(*) FROM payments")
t0=$(date +%s.%N)
co=$(wrk -t2 -c32 -d"${SECS}s" --latency -s "$work/checkout.lua" http://127.0.0.1:18912 | summary)
t1=$(date +%s.%N)
after=$($PSQL "$DB" -c "SELECT COUNT(*) FROM payments")
orders_per_s=$(python3 -c "print(round(($after - $before) / ($t1 - $t0), 1))")
echo "  requests/s p50 p99: $co; checkouts placed: $((after - before)) -> $orders_per_s orders/s"

echo "pgbench tpcb-like (same machine, same run):"
$PSQL -c "DROP DATABASE IF EXISTS bangfu_pgbench WITH (FORCE)" postgres
$PSQL -c "CREATE DATABASE bangfu_pgbench" postgres
pgbench -h 127.0.0.1 -U postgres -i -q -s 10 bangfu_pgbench >/dev/null 2>&1
tps=$(pgbench -h 127.0.0.1 -U postgres -c 16 -j 2 -T "$SECS" bangfu_pgbench 2>/dev/null | awk '/^tps/ {print $3; exit}')
echo "  tps: $tps"
$PSQL -c "DROP DATABASE IF EXISTS bangfu_pgbench WITH (FORCE)" postgres

python3 - "$storm_a" "$storm_b" "$co" "$orders_per_s" "$tps" "$idle" "$during" "$issued_a" "$issued_b" <<'PY'
import sys
a, b, co, ops, tps, idle, during, ia, ib = sys.argv[1:]
def ms(v):
    v = v.strip()
    if v.endswith("ms"): return float(v[:-2])
    if v.endswith("us"): return float(v[:-2]) / 1000
    if v.endswith("s"): return float(v[:-1]) * 1000
    return float(v)
print()
print("| measure | value |")
print("|---|---|")
print(f"| claim decisions/s, Redis | {float(a.split()[0]):,.0f} (p50 {a.split()[1]}, p99 {a.split()[2]}); issued {ia} |")
print(f"| claim decisions/s, database only | {float(b.split()[0]):,.0f} (p50 {b.split()[1]}, p99 {b.split()[2]}); issued {ib} |")
print(f"| browsing p99 idle / during storm | {idle.split()[2]} / {during.split()[2]} ({ms(during.split()[2]) / ms(idle.split()[2]):.2f} x) |")
print(f"| checkout orders/s (p99 {co.split()[2]}) | {ops} = {float(ops) / float(tps):.2f} x pgbench tpcb-like ({float(tps):,.0f} tps) |")
PY
