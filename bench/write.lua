-- wrk script: one device request per call, carrying PB_LINES sensor lines (default 5: one reading of
-- each sensor), with the device token from PB_TOKEN. With PB_PAUSE_MS set, each connection pauses
-- that long after every answer, so the offered load is set by the connections and the pause rather
-- than by how fast the server answers, and two servers' latencies can be compared at one load.
local sensors = { "01SM144", "01LI812", "01HU055", "01ST019", "01AT021" }
local lines = tonumber(os.getenv("PB_LINES") or "5")
local pause = tonumber(os.getenv("PB_PAUSE_MS") or "")
local body = {}
for index = 1, lines do body[index] = sensors[(index - 1) % #sensors + 1] .. "\r\n" end
wrk.method = "POST"
wrk.headers["Authorization"] = "Token " .. os.getenv("PB_TOKEN")
wrk.headers["Content-Type"] = "text/plain"
wrk.body = table.concat(body)

if pause then
    function delay()
        return pause
    end
end
