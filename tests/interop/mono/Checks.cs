// What both Mono clients need besides their own SOAP calls: the admin API over a plain
// HttpWebRequest and two assertions. Compiled into each test (`mcs ... Checks.cs`).
using System;
using System.IO;
using System.Net;
using System.Text.RegularExpressions;

static class Checks
{
    public static string Admin(string baseUrl, string path, string method = "GET")
    {
        var request = (HttpWebRequest)WebRequest.Create(baseUrl + "/__admin" + path);
        request.Method = method;
        request.Timeout = 10000;
        // A POST with neither Content-Length nor a body makes Mono 6.8 race the answer: the
        // server rightly reads such a request as bodiless and answers at once (204 for
        // /__admin/reset), Mono closes the connection on that answer while it still counts its
        // header write as pending, and throws SendFailure "Error writing headers" (about 1
        // request in 70, after the request has reached the server). Content-Length: 0 closes
        // the request before the answer can arrive (0 in 2000).
        if (method != "GET")
        {
            request.ContentLength = 0;
        }
        using (var response = (HttpWebResponse)request.GetResponse())
        using (var reader = new StreamReader(response.GetResponseStream()))
        {
            return reader.ReadToEnd();
        }
    }

    public static int Total(string json)
    {
        return int.Parse(Regex.Match(json, "\"total\":(\\d+)").Groups[1].Value);
    }

    public static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new Exception(what);
        }
    }

    public static void ExpectEqual(object expected, object actual, string what)
    {
        if (!Equals(expected, actual))
        {
            throw new Exception(what + ": expected <" + expected + ">, got <" + actual + ">");
        }
    }
}
