-- wrk request generator for benches/load/run.sh: cycles through seed persons, each wrk thread
-- from its own offset. MODE=neighbourhood asks for a 2-hop neighbourhood capped at 500 nodes;
-- MODE=path asks for the shortest path between two seed persons.
local seeds = {}
local mode = os.getenv("MODE") or "neighbourhood"
local token = os.getenv("TOKEN") or ""
local extra = os.getenv("EXTRA") or ""
for line in io.lines(os.getenv("SEEDS")) do
  seeds[#seeds + 1] = line
end
local i = math.random(1, #seeds)
local headers = { ["Authorization"] = "Bearer " .. token }

request = function()
  i = i + 1
  local a = seeds[(i % #seeds) + 1]
  if mode == "path" then
    local b = seeds[((i * 7919 + 1) % #seeds) + 1]
    if b == a then
      b = seeds[((i + 1) % #seeds) + 1]
    end
    return wrk.format("GET", "/api/v1/paths?from=person:" .. a .. "&to=person:" .. b .. "&max_hops=4" .. extra, headers)
  end
  return wrk.format("GET", "/api/v1/neighbourhood?seeds=person:" .. a .. "&hops=2&max_nodes=500" .. extra, headers)
end
