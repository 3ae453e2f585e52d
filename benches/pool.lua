-- wrk script: each request carries the next token of the pool (one per line in
-- E2E_TOKENS_FILE, default /tmp/bench-tokens.txt), so the server sees many distinct tokens.
local tokens = {}
for line in io.lines(os.getenv("E2E_TOKENS_FILE") or "/tmp/bench-tokens.txt") do
    tokens[#tokens + 1] = "Bearer " .. line
end
local i = 0
request = function()
    i = i % #tokens + 1
    return wrk.format("GET", nil, { ["Authorization"] = tokens[i] })
end
