-- POST a new Peerless message on every request, with bodies of mixed length, each wrk thread into a
-- conversation of its own: `wrk -t N -c N ... http://HOST -- TOKEN PATHS_FILE BODIES_FILE`.
-- PATHS_FILE holds one /api/v1/conversations/ID/messages path per line; thread k uses line k (wrapping),
-- so with as many threads as connections every connection writes to its own conversation (one line: all
-- to the same one). BODIES_FILE holds one JSON string literal per line (quotes and escapes included, as
-- Python's json.dumps writes it): a fixed list, shuffled once; thread k starts at line 7k and takes the
-- lines in turn, so every run sends the same mix of lengths. client_msg_id = run prefix (time + thread id
-- + random) + per-thread counter: never repeated, so every answer should be a 201. Used by
-- bench/messaging.py.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local counter = 0
local prefix, path
local bodies = {}

function init(args)
   bearer(args)
   local paths = {}
   for line in io.lines(args[2]) do
      if line ~= "" then paths[#paths + 1] = line end
   end
   path = paths[((id or 1) - 1) % #paths + 1]
   for line in io.lines(args[3]) do
      if line ~= "" then bodies[#bodies + 1] = line end
   end
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   math.randomseed(os.time() * 1000 + (id or 0) * 7919 + math.floor(os.clock() * 1e6))
   prefix = string.format("b%x-t%d-%x", os.time(), id or 0, math.random(0, 0x7fffffff))
end

function request()
   counter = counter + 1
   local text = bodies[(((id or 1) - 1) * 7 + counter - 1) % #bodies + 1]
   local body = '{"client_msg_id":"' .. prefix .. "-" .. counter .. '","body":' .. text .. '}'
   return wrk.format("POST", path, nil, body)
end
