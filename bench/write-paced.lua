-- wrk script: the device request of write.lua, but each connection pauses PB_PAUSE_MS (default 1)
-- after every answer, so the offered load is set by the connections and the pause rather than by how
-- fast the server answers: two servers compared this way see about the same requests per second,
-- and their latencies can be compared at that load.
local sensors = { "01SM144", "01LI812", "01HU055", "01ST019", "01AT021" }
local lines = tonumber(os.getenv("PB_LINES") or "5")
local pause = tonumber(os.getenv("PB_PAUSE_MS") or "1")
local body = {}
for index = 1, lines do body[index] = sensors[(index - 1) % #sensors + 1] .. "\r\n" end
wrk.method = "POST"
wrk.headers["Authorization"] = "Token " .. os.getenv("PB_TOKEN")
wrk.headers["Content-Type"] = "text/plain"
wrk.body = table.concat(body)

function delay()
    return pause
end
