// httpntlm (Node.js) against exchange-um-mock: NTLM as an old Node integration does it, against
// servers whose CHALLENGE imitates older Windows servers, so the client falls back from NTLMv2:
//
// - server.ntlm_challenge "no-target-info" (no AV pairs): httpntlm answers the NTLM2 session
//   response (NTLMv1 with extended session security);
// - "no-ess" (no target info, no extended session security): it answers plain NTLMv1;
// - "default" (target info and ESS): it answers NTLMv2.
//
// The first two run against tests/interop/fixtures-ntlm-<profile>/ (the default fixtures with
// that profile and carol's password set); the third against the built-in fixtures (dave's password).
//
// Needs running servers: EXUM_URL_NO_TARGET_INFO, EXUM_URL_NO_ESS and EXUM_URL
// (tests/interop/run.sh starts all three).

'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const httpntlm = require('httpntlm');

const ENDPOINT = '/EWS/UM2007Legacy.asmx';
const NS = 'http://schemas.microsoft.com/exchange/services/2006/messages';

const envelope = (operation) =>
  '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
  `<${operation} xmlns="${NS}"/></s:Body></s:Envelope>`;

function baseUrl(variable) {
  const url = process.env[variable];
  if (!url) {
    throw new Error(`${variable} is not set: start exchange-um-mock and export its URL, or use tests/interop/run.sh`);
  }
  return url.replace(/\/+$/, '');
}

function ntlmPost(url, username, password, operation) {
  return new Promise((resolve, reject) => {
    httpntlm.post(
      {
        url: `${url}${ENDPOINT}`,
        username,
        password,
        domain: 'CONTOSO',
        workstation: 'NODEBOX',
        headers: { 'Content-Type': 'text/xml; charset=utf-8' },
        body: envelope(operation),
        timeout: 10000,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

async function admin(url, path, method = 'GET') {
  const res = await fetch(`${url}/__admin${path}`, { method });
  assert.ok(res.ok, `${method} /__admin${path}: ${res.status}`);
  return method === 'GET' ? res.json() : null;
}

const profiles = [
  { profile: 'no-target-info', env: 'EXUM_URL_NO_TARGET_INFO', user: 'carol', password: 'Tr0ub4dor&3',
    address: 'carol@contoso.com', operation: 'ResetPIN',
    kind: 'NTLMv1 with extended session security (NTLM2 session response)' },
  { profile: 'no-ess', env: 'EXUM_URL_NO_ESS', user: 'carol', password: 'Tr0ub4dor&3',
    address: 'carol@contoso.com', operation: 'ResetPIN', kind: 'NTLMv1' },
  // dave's first ResetPIN is scripted "server busy": IsUMEnabled proves the identity instead.
  { profile: 'default', env: 'EXUM_URL', user: 'dave', password: 'P@ssw0rd!',
    address: 'dave@contoso.com', operation: 'IsUMEnabled', kind: 'NTLMv2' },
];

for (const p of profiles) {
  test(`${p.profile}: the right password is a 200 as CONTOSO\\${p.user}`, async () => {
    const url = baseUrl(p.env);
    await admin(url, '/reset', 'POST');

    const res = await ntlmPost(url, p.user, p.password, p.operation);

    assert.equal(res.statusCode, 200, JSON.stringify(res.headers));
    const { requests } = await admin(url, '/requests');
    const last = requests[requests.length - 1];
    assert.equal(last.identity, `CONTOSO\\${p.user}`);
    assert.equal(last.mailbox, p.address);
    assert.equal(last.auth_scheme, 'ntlm');
    if (p.operation === 'ResetPIN') {
      const emails = await admin(url, `/emails?to=${p.address}`);
      assert.equal(emails.total, 1);
      const mailbox = await admin(url, `/mailboxes/${p.address}`);
      assert.equal(emails.emails[0].pin, mailbox.pin);
    } else {
      assert.match(res.body, /<IsUMEnabledResponse[^>]*>true</);
    }
  });

  test(`${p.profile}: a wrong password is a 401 naming the ${p.kind} response, and no email`, async () => {
    const url = baseUrl(p.env);
    await admin(url, '/reset', 'POST');

    const res = await ntlmPost(url, p.user, 'not-the-password', 'ResetPIN');

    assert.equal(res.statusCode, 401);
    const reason = res.headers['x-exum-reason'] || '';
    assert.ok(
      reason.startsWith(`the ${p.kind} response does not match the mailbox's password`),
      `X-Exum-Reason: ${reason}`,
    );
    const emails = await admin(url, '/emails');
    assert.equal(emails.total, 0);
  });
}
