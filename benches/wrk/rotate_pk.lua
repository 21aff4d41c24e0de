-- GET /pk/<id> (raw sqlx primary-key read) for ids 1..N in turn; PK_PATH picks another
-- route of the same handler (e.g. /pk-idle-ping).
local n = tonumber(os.getenv("BENCH_PRODUCTS") or "10000")
local path = os.getenv("PK_PATH") or "/pk"
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", path .. "/" .. ((counter * 7919) % n + 1))
end
