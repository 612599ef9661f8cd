-- GET the URL given to wrk, optionally with a bearer token: `wrk ... URL -- [TOKEN]`.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
   bearer(args)
end
