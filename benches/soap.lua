-- POSTs one UM operation to the endpoint in wrk's URL, as alice with HTTP Basic (any password
-- works for her in the default fixtures): the README's request, with the operation named by
-- the first script argument.
--
--   wrk -t2 -c32 -d5s -s benches/soap.lua http://127.0.0.1:PORT/EWS/UM2007Legacy.asmx -- ResetPIN
dofile("benches/report.lua")

local envelope = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
   .. '<s:Body><%s xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body>'
   .. '</s:Envelope>'

function init(args)
   local operation = args[1] or "ResetPIN"
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
   -- base64("alice:bench")
   wrk.headers["Authorization"] = "Basic YWxpY2U6YmVuY2g="
   wrk.body = string.format(envelope, operation)
end
