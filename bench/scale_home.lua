-- wrk script for bench/scale.sh: an authenticated GET that rotates over many
-- bearer tokens, so each request reads a different reader's home feed.
-- Usage: wrk -t2 -c32 -d30s --latency -s scale_home.lua URL -- TOKENS_FILE
-- (one token per line). Requests are built once per token and thread; each
-- thread starts at a different offset. done() prints a "RESULT {...}" line.
-- With a form body after the tokens file (`-- TOKENS_FILE 'status=hello'`)
-- each request is a POST of that body instead (bench/cluster_scale.py posts
-- statuses so).

local threads = {}
local counter = 0

function setup(thread)
   thread:set("offset", counter * 7)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   local path = args[1]
   if path == nil or path == "" then
      error("pass the tokens file after --")
   end
   local body = args[2]
   local reqs = {}
   for token in io.lines(path) do
      if token ~= "" then
         local h = {}
         for k, v in pairs(wrk.headers) do h[k] = v end
         h["Authorization"] = "Bearer " .. token
         h["Accept"] = "application/json"
         h["User-Agent"] = "wrk-scale/1.0"
         if body then
            h["Content-Type"] = "application/x-www-form-urlencoded"
            table.insert(reqs, wrk.format("POST", nil, h, body))
         else
            table.insert(reqs, wrk.format(nil, nil, h))
         end
      end
   end
   if #reqs == 0 then
      error("no tokens in " .. path)
   end
   local n = #reqs
   local i = (offset or 0) % n
   request = function()
      i = i % n + 1
      return reqs[i]
   end
end

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests":%d,"seconds":%.2f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,' ..
      '"p99_ms":%.2f,"max_ms":%.2f,"status_errors":%d,"socket_errors":%d,"timeouts":%d,"bytes":%d}\n',
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      e.status, e.connect + e.read + e.write, e.timeout, summary.bytes))
end
