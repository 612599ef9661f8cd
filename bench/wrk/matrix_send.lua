-- PUT a new m.room.message into a Matrix room on every request (Synapse, for bench/synapse.py):
-- `wrk -t N -c N ... http://HOST -- TOKEN ROOMS_FILE`, ROOMS_FILE holding one URL-encoded room id per
-- line; thread k uses line k (wrapping), so with as many threads as connections every connection writes
-- to its own room (one line: all to the same room). The txnId (Matrix's idempotency key, like Peerless's
-- client_msg_id) is a run prefix (time + thread id + random) + a per-thread counter: never repeated, so
-- every answer should be a 200 with a new event id.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local counter = 0
local prefix, path

function init(args)
   bearer(args)
   local rooms = {}
   for line in io.lines(args[2]) do
      if line ~= "" then rooms[#rooms + 1] = line end
   end
   path = "/_matrix/client/v3/rooms/" .. rooms[((id or 1) - 1) % #rooms + 1] .. "/send/m.room.message/"
   wrk.method = "PUT"
   wrk.headers["Content-Type"] = "application/json"
   math.randomseed(os.time() * 1000 + (id or 0) * 7919 + math.floor(os.clock() * 1e6))
   prefix = string.format("b%x-t%d-%x", os.time(), id or 0, math.random(0, 0x7fffffff))
end

function request()
   counter = counter + 1
   local body = string.format('{"msgtype":"m.text","body":"Benchmark message %d from wrk thread %d"}',
      counter, id or 0)
   return wrk.format("PUT", path .. prefix .. "-" .. counter, nil, body)
end
