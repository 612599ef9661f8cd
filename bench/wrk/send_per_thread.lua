-- POST a new Peerless message on every request, each wrk thread into a conversation of its own:
-- `wrk -t N -c N ... http://HOST -- TOKEN PATHS_FILE`, PATHS_FILE holding one
-- /api/v1/conversations/ID/messages path per line; thread k uses line k (wrapping), so with as many
-- threads as connections every connection writes to its own conversation (one line: all to the same one).
-- client_msg_id = run prefix (time + thread id + random) + per-thread counter: never repeated, so every
-- answer should be a 201. Used by bench/synapse.py.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local counter = 0
local prefix, path

function init(args)
   bearer(args)
   local paths = {}
   for line in io.lines(args[2]) do
      if line ~= "" then paths[#paths + 1] = line end
   end
   path = paths[((id or 1) - 1) % #paths + 1]
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   math.randomseed(os.time() * 1000 + (id or 0) * 7919 + math.floor(os.clock() * 1e6))
   prefix = string.format("b%x-t%d-%x", os.time(), id or 0, math.random(0, 0x7fffffff))
end

function request()
   counter = counter + 1
   local body = string.format(
      '{"client_msg_id":"%s-%d","body":"Benchmark message %d from wrk thread %d"}',
      prefix, counter, counter, id or 0)
   return wrk.format("POST", path, nil, body)
end
