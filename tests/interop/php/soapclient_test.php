<?php
// PHP's SoapClient against exchange-um-mock over HTTPS with NTLM: SoapClient knows only Basic
// and Digest, so __doRequest sends each call through curl with CURLAUTH_NTLM, trusting the CA
// the server wrote with --tls-ca-out (CURLOPT_CAINFO); the WSDL is fetched with the same CA.
//
//   EXUM_HTTPS_URL=https://127.0.0.1:PORT EXUM_CA=ca.pem php soapclient_test.php
//
// Prints one line per test and "N passed, N failed"; exits 1 if any failed.

class NtlmSoapClient extends SoapClient
{
    private $userpwd;
    private $cainfo;
    public $lastStatus;
    public $lastReason;

    public function __construct($wsdl, array $options, $userpwd, $cainfo)
    {
        $this->userpwd = $userpwd;
        $this->cainfo = $cainfo;
        parent::__construct($wsdl, $options);
    }

    public function __doRequest($request, $location, $action, $version, $oneWay = false): ?string
    {
        $reason = null;
        $curl = curl_init($location);
        curl_setopt_array($curl, [
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => $request,
            CURLOPT_HTTPHEADER => ['Content-Type: text/xml; charset=utf-8', 'SOAPAction: "' . $action . '"'],
            CURLOPT_HTTPAUTH => CURLAUTH_NTLM,
            CURLOPT_USERPWD => $this->userpwd,
            CURLOPT_CAINFO => $this->cainfo,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => 10,
            CURLOPT_HEADERFUNCTION => function ($curl, $line) use (&$reason) {
                if (stripos($line, 'X-Exum-Reason:') === 0) {
                    $reason = trim(substr($line, strlen('X-Exum-Reason:')));
                }
                return strlen($line);
            },
        ]);
        $body = curl_exec($curl);
        if ($body === false) {
            throw new Exception('curl: ' . curl_error($curl));
        }
        $this->lastStatus = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        $this->lastReason = $reason;
        curl_close($curl);
        if ($this->lastStatus == 401) {
            throw new Exception('HTTP 401: ' . $reason);
        }
        return $body;
    }
}

$base = rtrim(getenv('EXUM_HTTPS_URL') ?: '', '/');
$ca = getenv('EXUM_CA') ?: '';
if ($base === '' || $ca === '') {
    fwrite(STDERR, "EXUM_HTTPS_URL and EXUM_CA are not set: use tests/interop/run.sh\n");
    exit(2);
}
$endpoint = "$base/EWS/UM2007Legacy.asmx";
$context = stream_context_create(['ssl' => ['cafile' => $ca, 'verify_peer' => true]]);

function um($userpwd)
{
    global $endpoint, $context, $ca;
    return new NtlmSoapClient("$endpoint?wsdl", [
        'location' => $endpoint,
        'stream_context' => $context,
        'cache_wsdl' => WSDL_CACHE_NONE,
        'exceptions' => true,
    ], $userpwd, $ca);
}

function admin($path, $method = 'GET')
{
    global $base, $ca;
    $curl = curl_init("$base/__admin$path");
    curl_setopt_array($curl, [CURLOPT_CUSTOMREQUEST => $method, CURLOPT_CAINFO => $ca, CURLOPT_RETURNTRANSFER => true]);
    $body = curl_exec($curl);
    curl_close($curl);
    return json_decode($body, true);
}

function expect($condition, $what)
{
    if (!$condition) {
        throw new Exception($what);
    }
}

$tests = [
    'NTLM as CONTOSO\\alice: ResetPIN, one email, IsUMEnabled true' => function () {
        $alice = um('CONTOSO\\alice:x');
        $alice->ResetPIN();
        expect($alice->lastStatus == 200, "status $alice->lastStatus");
        expect(admin('/emails?to=alice@contoso.com')['total'] == 1, 'one email to alice');
        $journal = admin('/requests')['requests'];
        $journaled = end($journal);
        expect($journaled['identity'] === 'CONTOSO\\alice' && $journaled['listener'] === 'https', json_encode($journaled));
        expect($alice->IsUMEnabled()->IsUMEnabledResponse === true, 'IsUMEnabled');
    },
    'NTLM as CONTOSO\\dave: his password is a 200, a wrong one a 401 that says why' => function () {
        expect(um('CONTOSO\\dave:P@ssw0rd!')->IsUMEnabled()->IsUMEnabledResponse === true, 'IsUMEnabled');
        $dave = um('CONTOSO\\dave:wrong');
        try {
            $dave->ResetPIN();
            expect(false, 'no 401');
        } catch (Exception $e) {
            expect($dave->lastStatus == 401, "status $dave->lastStatus");
            expect(strpos($dave->lastReason, "does not match the mailbox's password") !== false, "reason $dave->lastReason");
        }
        expect(admin('/emails')['total'] == 0, 'no email');
    },
    'bob gets a SoapFault UserNotUmEnabledException' => function () {
        try {
            um('CONTOSO\\bob:x')->ResetPIN();
            expect(false, 'no fault');
        } catch (SoapFault $fault) {
            expect(strpos($fault->faultcode, 'UserNotUmEnabledException') !== false, "faultcode $fault->faultcode");
        }
    },
];

$passed = 0;
$failed = 0;
foreach ($tests as $name => $test) {
    try {
        admin('/reset', 'POST');
        $test();
        $passed++;
        echo "ok   $name\n";
    } catch (Throwable $e) {
        $failed++;
        echo "FAIL $name: " . $e->getMessage() . "\n";
    }
}
echo "$passed passed, $failed failed\n";
exit($failed == 0 ? 0 : 1);
