-- GET /api/products/<id> for ids 1..N in turn (N from the environment, default 10000).
local n = tonumber(os.getenv("BENCH_PRODUCTS") or "10000")
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/products/" .. ((counter * 7919) % n + 1))
end
