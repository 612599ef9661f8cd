-- POST a new message on every request: `wrk ... http://HOST/api/v1/conversations/ID/messages -- TOKEN`.
-- client_msg_id = run prefix (time + thread id + random) + per-thread counter + random: never repeated,
-- so every response should be a 201 (a 200 would mean the server saw a retry).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local counter = 0
local prefix

function init(args)
   bearer(args)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   math.randomseed(os.time() * 1000 + (id or 0) * 7919 + math.floor(os.clock() * 1e6))
   prefix = string.format("b%x-t%d-%x", os.time(), id or 0, math.random(0, 0x7fffffff))
end

function request()
   counter = counter + 1
   local body = string.format(
      '{"client_msg_id":"%s-%d-%x","body":"Benchmark message %d from wrk thread %d"}',
      prefix, counter, math.random(0, 0xffffff), counter, id or 0)
   return wrk.format(nil, nil, nil, body)
end
