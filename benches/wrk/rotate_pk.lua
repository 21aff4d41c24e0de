-- GET /pk/<id> (raw sqlx primary-key read) for ids 1..N in turn.
local n = tonumber(os.getenv("BENCH_PRODUCTS") or "10000")
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/pk/" .. ((counter * 7919) % n + 1))
end
