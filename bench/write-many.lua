-- wrk script: device requests as many users, one sensor line each: each request carries a token
-- drawn from PB_TOKENS_FILE (one a line), so every user's rules and state are exercised.
local tokens = {}
for line in io.lines(os.getenv("PB_TOKENS_FILE")) do tokens[#tokens + 1] = line end
local lines = { "01SM144\r\n", "01LI812\r\n" }
local counter = 0
request = function()
    counter = counter + 1
    return wrk.format("POST", "/write", {
        ["Authorization"] = "Token " .. tokens[counter % #tokens + 1],
        ["Content-Type"] = "text/plain",
    }, lines[counter % 2 + 1])
end
