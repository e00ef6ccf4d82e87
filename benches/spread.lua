-- POSTs one UM operation as alice with HTTP Basic, like benches/soap.lua, but spread over
-- several doubles: the arguments after the operation are path prefixes ("" for the root,
-- "/sessions/ID" for a session), and each wrk thread sends its requests to them in turn.
--
--   wrk -t2 -c32 -d5s -s benches/spread.lua http://127.0.0.1:PORT -- ResetPIN /sessions/A /sessions/B
--
-- Every run that benches/load.sh compares (the root, one session, eight sessions) goes through
-- this script, so wrk does the same work per request in each and only the server differs.
dofile("benches/report.lua")

local envelope = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
   .. '<s:Body><%s xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body>'
   .. '</s:Envelope>'
local endpoint = "/EWS/UM2007Legacy.asmx"

-- The requests, formatted once per thread: request() only picks the next one.
local requests = {}
local turn = 0

function init(args)
   local operation = args[1] or "ResetPIN"
   local headers = {
      ["Content-Type"] = "text/xml; charset=utf-8",
      -- base64("alice:bench")
      ["Authorization"] = "Basic YWxpY2U6YmVuY2g=",
   }
   local body = string.format(envelope, operation)
   for i = 2, math.max(#args, 2) do
      table.insert(requests, wrk.format("POST", (args[i] or "") .. endpoint, headers, body))
   end
end

function request()
   turn = turn % #requests + 1
   return requests[turn]
end
