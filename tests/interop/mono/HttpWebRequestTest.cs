// A .NET Framework-style client (HttpWebRequest, CredentialCache with "NTLM") against
// exchange-um-mock, compiled with Mono's mcs and run with mono. Mono's NTLM module answers the
// double's "NTLM" challenge (it never answers a Negotiate-only one).
//
//   mcs -out:HttpWebRequestTest.exe HttpWebRequestTest.cs Checks.cs
//   EXUM_URL=http://127.0.0.1:PORT mono HttpWebRequestTest.exe
//
// With EXUM_RSA_HTTPS_URL=https://127.0.0.1:PORT and EXUM_RSA_CA=FILE it also runs NTLM over TLS,
// trusting FILE through ServicePointManager.ServerCertificateValidationCallback. That server
// needs an RSA certificate (--tls-cert/--tls-key): Mono 6.8 cannot read the ECDSA key of the
// certificate the double generates ("Cannot decode public key from unknown OID
// '1.2.840.10045.2.1'").
//
// Prints one line per test and "N passed, N failed"; exits 1 if any failed.
// tests/interop/run.sh compiles and runs it.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using static Checks;

static class HttpWebRequestTest
{
    const string Endpoint = "/EWS/UM2007Legacy.asmx";
    const string Ns = "http://schemas.microsoft.com/exchange/services/2006/messages";

    static string Envelope(string operation)
    {
        return "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><"
            + operation + " xmlns=\"" + Ns + "\"/></s:Body></s:Envelope>";
    }

    class Answer
    {
        public int Status;
        public string Body;
        public WebHeaderCollection Headers;
    }

    // POST a SOAP envelope the way a .NET Framework helpdesk app does: HttpWebRequest with a
    // CredentialCache that holds NTLM credentials for the endpoint.
    static Answer Post(string baseUrl, string operation, string user, string password)
    {
        var uri = new Uri(baseUrl + Endpoint);
        var cache = new CredentialCache();
        cache.Add(uri, "NTLM", new NetworkCredential(user, password, "CONTOSO"));
        var request = (HttpWebRequest)WebRequest.Create(uri);
        request.Method = "POST";
        request.ContentType = "text/xml; charset=utf-8";
        request.Headers.Add("SOAPAction", "\"" + Ns + "/" + operation + "\"");
        request.Credentials = cache;
        // NTLM authenticates a connection, not a request, and Mono keeps connections alive
        // across credentials: one connection group per user keeps another user's request off a
        // connection already authenticated as someone else. (.NET Framework closes such a connection
        // after the request unless UnsafeAuthenticatedConnectionSharing is set.)
        request.ConnectionGroupName = "ntlm:" + user + ":" + password;
        request.Timeout = 10000;
        var body = Encoding.UTF8.GetBytes(Envelope(operation));
        request.ContentLength = body.Length;
        using (var stream = request.GetRequestStream())
        {
            stream.Write(body, 0, body.Length);
        }
        HttpWebResponse response;
        try
        {
            response = (HttpWebResponse)request.GetResponse();
        }
        catch (WebException e)
        {
            response = e.Response as HttpWebResponse;
            if (response == null)
            {
                throw;
            }
        }
        using (response)
        using (var reader = new StreamReader(response.GetResponseStream()))
        {
            return new Answer { Status = (int)response.StatusCode, Body = reader.ReadToEnd(), Headers = response.Headers };
        }
    }

    static void Reset(string baseUrl)
    {
        Admin(baseUrl, "/reset", "POST");
    }

    // The newest journal entry's value for a string key.
    static string LastJournaled(string baseUrl, string key)
    {
        var journal = Admin(baseUrl, "/requests");
        var matches = Regex.Matches(journal, "\"" + key + "\":(null|\"((?:[^\"\\\\]|\\\\.)*)\")");
        var last = matches[matches.Count - 1];
        return last.Groups[1].Value == "null" ? null : Regex.Unescape(last.Groups[2].Value);
    }

    static void ResetPinAsAlice(string baseUrl)
    {
        Reset(baseUrl);
        var answer = Post(baseUrl, "ResetPIN", "alice", "x");

        ExpectEqual(200, answer.Status, "status");
        Expect(answer.Body.Contains("ResetPINResponse"), "a ResetPINResponse: " + answer.Body);
        ExpectEqual("CONTOSO\\alice", LastJournaled(baseUrl, "identity"), "journaled identity");
        ExpectEqual("ntlm", LastJournaled(baseUrl, "auth_scheme"), "journaled auth_scheme");
        var emails = Admin(baseUrl, "/emails");
        ExpectEqual(1, Total(emails), "emails in all");
        ExpectEqual(1, Total(Admin(baseUrl, "/emails?to=alice@contoso.com")), "emails to alice");
        var mailbox = Admin(baseUrl, "/mailboxes/alice@contoso.com");
        var pin = Regex.Match(mailbox, "\"pin\":\"(\\d+)\"").Groups[1].Value;
        Expect(emails.Contains("\"pin\":\"" + pin + "\""), "the email carries the mailbox's new PIN " + pin);
    }

    static void DaveWithHisPassword(string baseUrl)
    {
        // dave's first ResetPIN is scripted "server busy": IsUMEnabled proves the identity.
        Reset(baseUrl);
        var answer = Post(baseUrl, "IsUMEnabled", "dave", "P@ssw0rd!");

        ExpectEqual(200, answer.Status, "status");
        Expect(Regex.IsMatch(answer.Body, "<IsUMEnabledResponse[^>]*>true<"), "IsUMEnabled true: " + answer.Body);
        ExpectEqual("CONTOSO\\dave", LastJournaled(baseUrl, "identity"), "journaled identity");
    }

    static void DaveWithAWrongPassword(string baseUrl)
    {
        Reset(baseUrl);
        var answer = Post(baseUrl, "ResetPIN", "dave", "wrong");

        ExpectEqual(401, answer.Status, "status");
        var reason = answer.Headers["X-Exum-Reason"] ?? "";
        Expect(reason.Contains("does not match the mailbox's password"), "X-Exum-Reason: " + reason);
        ExpectEqual(0, Total(Admin(baseUrl, "/emails")), "emails");
    }

    // Trusts the server's certificate when it chains to `ca`, as a test trusts a private CA
    // without importing it into the machine's store.
    static void TrustOnly(X509Certificate2 ca)
    {
        ServicePointManager.ServerCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }
            if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false;
            }
            var own = new X509Chain();
            own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            own.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
            own.ChainPolicy.ExtraStore.Add(ca);
            if (!own.Build(new X509Certificate2(certificate)))
            {
                return false;
            }
            var root = own.ChainElements[own.ChainElements.Count - 1].Certificate;
            return root.Thumbprint == ca.Thumbprint;
        };
    }

    static void ResetPinAsAliceOverTls(string httpsUrl, string adminUrl)
    {
        Reset(adminUrl);
        var answer = Post(httpsUrl, "ResetPIN", "alice", "x");

        ExpectEqual(200, answer.Status, "status");
        ExpectEqual("CONTOSO\\alice", LastJournaled(adminUrl, "identity"), "journaled identity");
        ExpectEqual("https", LastJournaled(adminUrl, "listener"), "journaled listener");
        ExpectEqual(1, Total(Admin(adminUrl, "/emails?to=alice@contoso.com")), "emails to alice");
    }

    static int Main()
    {
        var baseUrl = (Environment.GetEnvironmentVariable("EXUM_URL") ?? "").TrimEnd('/');
        if (baseUrl == "")
        {
            Console.Error.WriteLine("EXUM_URL is not set: start exchange-um-mock and export its URL, or use tests/interop/run.sh");
            return 2;
        }
        var tests = new List<KeyValuePair<string, Action>>
        {
            new KeyValuePair<string, Action>("NTLM as CONTOSO\\alice (any password): ResetPIN is a 200 and one email to alice",
                () => ResetPinAsAlice(baseUrl)),
            new KeyValuePair<string, Action>("NTLM as CONTOSO\\dave with his password: a 200",
                () => DaveWithHisPassword(baseUrl)),
            new KeyValuePair<string, Action>("NTLM as CONTOSO\\dave with a wrong password: a 401 that says why, no email",
                () => DaveWithAWrongPassword(baseUrl)),
        };
        var httpsUrl = (Environment.GetEnvironmentVariable("EXUM_RSA_HTTPS_URL") ?? "").TrimEnd('/');
        var caFile = Environment.GetEnvironmentVariable("EXUM_RSA_CA") ?? "";
        if (httpsUrl != "" && caFile != "")
        {
            TrustOnly(new X509Certificate2(caFile));
            tests.Add(new KeyValuePair<string, Action>(
                "NTLM over TLS (RSA certificate, CA trusted by a validation callback): ResetPIN as alice is a 200",
                () => ResetPinAsAliceOverTls(httpsUrl, httpsUrl)));
        }
        int passed = 0, failed = 0;
        foreach (var test in tests)
        {
            try
            {
                test.Value();
                passed++;
                Console.WriteLine("ok   " + test.Key);
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine("FAIL " + test.Key + ": " + e);
            }
        }
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
