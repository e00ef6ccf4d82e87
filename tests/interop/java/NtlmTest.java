// The JDK's own HTTP client (HttpURLConnection) against exchange-um-mock over HTTPS with NTLM:
// credentials from Authenticator.setDefault, the CA trusted through a truststore made with
// `keytool -importcert -file ca.pem`. Run as a single-file program:
//
//   keytool -importcert -noprompt -file ca.pem -alias exum -keystore trust.p12 -storepass changeit
//   EXUM_HTTPS_URL=https://127.0.0.1:PORT java -Djavax.net.ssl.trustStore=trust.p12 \
//     -Djavax.net.ssl.trustStorePassword=changeit NtlmTest.java
//
// Prints one line per test and "N passed, N failed"; exits 1 if any failed.

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class NtlmTest {
    static final String ENDPOINT = "/EWS/UM2007Legacy.asmx";
    static final String NS = "http://schemas.microsoft.com/exchange/services/2006/messages";

    static Authenticator as(String user, String password) {
        return new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                return new PasswordAuthentication(user, password.toCharArray());
            }
        };
    }

    record Answer(int status, String body, String reason) {}

    // authenticator null: the default one (Authenticator.setDefault).
    static Answer post(String base, String operation, Authenticator authenticator) throws Exception {
        HttpURLConnection connection = (HttpURLConnection) new URL(base + ENDPOINT).openConnection();
        if (authenticator != null) {
            connection.setAuthenticator(authenticator);
        }
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setConnectTimeout(10000);
        connection.setReadTimeout(10000);
        connection.setRequestProperty("Content-Type", "text/xml; charset=utf-8");
        connection.setRequestProperty("SOAPAction", "\"" + NS + "/" + operation + "\"");
        byte[] body = ("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><"
                + operation + " xmlns=\"" + NS + "\"/></s:Body></s:Envelope>").getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(body);
        }
        int status = connection.getResponseCode();
        InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new Answer(status, text, connection.getHeaderField("X-Exum-Reason"));
    }

    static String admin(String base, String path, String method) throws Exception {
        HttpURLConnection connection = (HttpURLConnection) new URL(base + "/__admin" + path).openConnection();
        connection.setRequestMethod(method);
        connection.getResponseCode();
        InputStream in = connection.getInputStream();
        return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    static int total(String json) {
        Matcher m = Pattern.compile("\"total\":(\\d+)").matcher(json);
        if (!m.find()) throw new AssertionError("no total in " + json);
        return Integer.parseInt(m.group(1));
    }

    static String lastJournaled(String base, String key) throws Exception {
        Matcher m = Pattern.compile("\"" + key + "\":(null|\"((?:[^\"\\\\]|\\\\.)*)\")").matcher(admin(base, "/requests", "GET"));
        String last = null;
        while (m.find()) last = m.group(1).equals("null") ? null : m.group(2).replace("\\\\", "\\");
        return last;
    }

    static void expect(boolean condition, String what) {
        if (!condition) throw new AssertionError(what);
    }

    interface Test { void run(String base) throws Exception; }

    public static void main(String[] args) throws Exception {
        String base = System.getenv().getOrDefault("EXUM_HTTPS_URL", "").replaceAll("/+$", "");
        if (base.isEmpty()) {
            System.err.println("EXUM_HTTPS_URL is not set: use tests/interop/run.sh");
            System.exit(2);
        }
        // What an application does: one default Authenticator for the process.
        Authenticator.setDefault(as("CONTOSO\\alice", "x"));

        Map<String, Test> tests = new LinkedHashMap<>();
        tests.put("NTLM over TLS as CONTOSO\\alice: ResetPIN is a 200 and one email", b -> {
            Answer answer = post(b, "ResetPIN", null);
            expect(answer.status() == 200, "status " + answer.status() + " " + answer.reason());
            expect("CONTOSO\\alice".equals(lastJournaled(b, "identity")), "identity " + lastJournaled(b, "identity"));
            expect("ntlm".equals(lastJournaled(b, "auth_scheme")), "auth_scheme " + lastJournaled(b, "auth_scheme"));
            expect("https".equals(lastJournaled(b, "listener")), "listener");
            expect(total(admin(b, "/emails?to=alice@contoso.com", "GET")) == 1, "one email to alice");
        });
        tests.put("NTLM over TLS as CONTOSO\\dave with his password: a 200", b -> {
            // Another user in the same process: an Authenticator of its own on the connection
            // (the JDK keeps NTLM-authenticated connections and credentials per Authenticator).
            Answer answer = post(b, "IsUMEnabled", as("CONTOSO\\dave", "P@ssw0rd!"));
            expect(answer.status() == 200, "status " + answer.status() + " " + answer.reason());
            expect(answer.body().contains(">true<"), answer.body());
            expect("CONTOSO\\dave".equals(lastJournaled(b, "identity")), "identity");
        });
        tests.put("NTLM over TLS as CONTOSO\\dave with a wrong password: a 401 that says why, no email", b -> {
            Answer answer = post(b, "ResetPIN", as("CONTOSO\\dave", "wrong"));
            expect(answer.status() == 401, "status " + answer.status());
            expect(answer.reason() != null && answer.reason().contains("does not match the mailbox's password"),
                    "X-Exum-Reason " + answer.reason());
            expect(total(admin(b, "/emails", "GET")) == 0, "no email");
        });

        int passed = 0, failed = 0;
        for (Map.Entry<String, Test> test : tests.entrySet()) {
            try {
                admin(base, "/reset", "POST");
                test.getValue().run(base);
                passed++;
                System.out.println("ok   " + test.getKey());
            } catch (Throwable e) {
                failed++;
                System.out.println("FAIL " + test.getKey() + ": " + e);
            }
        }
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
