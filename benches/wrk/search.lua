-- Searches with text, filters and sorts, rotating over 1,800 combinations.
local words = { "%E8%8A%92%E6%9E%9C", "%E5%A4%A7%E7%B1%B3", "%E8%84%90%E6%A9%99", "%E8%8C%B6", "mangguo", "dami" }
local regions = { "450000", "451000", "360700" }
local sorts = { "relevance", "price_asc", "sales" }
local counter = 0
request = function()
  counter = counter + 1
  local w = words[(counter % #words) + 1]
  local r = regions[(math.floor(counter / #words) % #regions) + 1]
  local s = sorts[(math.floor(counter / 18) % #sorts) + 1]
  local p = 1000 + (counter % 33) * 300
  return wrk.format("GET", "/api/products?q=" .. w .. "&region=" .. r .. "&sort=" .. s .. "&min_price=" .. p .. "&in_stock=true&limit=20")
end
