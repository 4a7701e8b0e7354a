-- PUT a 64-byte value to one of 1000 keys, round-robin, form-encoded as the
-- v2 API expects. Each wrk thread keeps its own counter; the threads start at
-- different offsets so they do not all hit the same key at once.
local value = string.rep("v", 64)
local counter = 0

wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "value=" .. value

function setup(thread)
  thread:set("offset", math.random(0, 999))
end

function request()
  counter = counter + 1
  local key = ((offset or 0) + counter) % 1000
  return wrk.format(nil, "/v2/keys/bench/k" .. key)
end
