-- wrk script: one device request per call, carrying PB_LINES sensor lines (default 5: one reading of
-- each sensor), with the device token from PB_TOKEN.
local sensors = { "01SM144", "01LI812", "01HU055", "01ST019", "01AT021" }
local lines = tonumber(os.getenv("PB_LINES") or "5")
local body = {}
for index = 1, lines do body[index] = sensors[(index - 1) % #sensors + 1] .. "\r\n" end
wrk.method = "POST"
wrk.headers["Authorization"] = "Token " .. os.getenv("PB_TOKEN")
wrk.headers["Content-Type"] = "text/plain"
wrk.body = table.concat(body)
