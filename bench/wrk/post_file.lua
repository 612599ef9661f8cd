-- POST the same body on every request: `wrk ... URL -- BODY_FILE [TOKEN]` (JSON, e.g. one FCM message).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
   local f = assert(io.open(args[1], "rb"))
   wrk.body = f:read("*a")
   f:close()
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json; charset=UTF-8"
   if args[2] then wrk.headers["Authorization"] = "Bearer " .. args[2] end
end
