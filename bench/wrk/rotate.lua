-- GET a rotating list of (token, path) pairs: `wrk ... http://HOST -- FILE`, where FILE has one
-- "TOKEN PATH" per line. Each wrk thread starts at a different line, so concurrent connections ask
-- for different seekers and URLs.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local requests_ = {}
local i = 0

function init(args)
   for line in io.lines(args[1]) do
      local token, path = line:match("^(%S+)%s+(%S+)$")
      if token then
         requests_[#requests_ + 1] = wrk.format("GET", path, {
            ["Host"] = wrk.host .. ":" .. wrk.port, ["Authorization"] = "Bearer " .. token })
      end
   end
   i = ((id or 1) - 1) * math.floor(#requests_ / 2)
end

function request()
   i = i % #requests_ + 1
   return requests_[i]
end
