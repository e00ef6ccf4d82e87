// node-soap (npm "soap") against exchange-um-mock: the client is generated from
// GET <endpoint>?wsdl and calls every UM operation with Basic credentials.
//
// Needs a running server: EXUM_URL=http://127.0.0.1:PORT (tests/interop/run.sh starts one).
// Run: node --test tests/interop/node_soap_test.js

'use strict';

const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const soap = require('soap');

const BASE = (process.env.EXUM_URL || '').replace(/\/$/, '');
const ENDPOINT = '/EWS/UM2007Legacy.asmx';
const CALL_STATES = ['Idle', 'Connecting', 'Alerted', 'Connected', 'Disconnected', 'Incoming', 'Transferring', 'Forwarding'];
const EVENT_CAUSES = ['None', 'UserBusy', 'NoAnswer', 'Unavailable', 'Other'];

if (!BASE) {
  throw new Error('EXUM_URL is not set: start exchange-um-mock and export its URL, or use tests/interop/run.sh');
}

async function clientFor(user, password = 'secret', path = ENDPOINT, query = 'wsdl', base = BASE) {
  const authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  const client = await soap.createClientAsync(`${base}${path}?${query}`, {
    wsdl_headers: { Authorization: authorization },
  });
  client.setSecurity(new soap.BasicAuthSecurity(user, password));
  return client;
}

/** Calls `operation` and returns only the result (node-soap also returns the raw XML). */
async function call(client, operation, args = {}) {
  const [result] = await client[`${operation}Async`](args);
  return result;
}

/** The value a value-returning operation nests in its inner, same-named element. */
async function value(client, operation, args = {}) {
  const result = await call(client, operation, args);
  return result[`${operation}Response`];
}

/** GET `path` of the admin API at `base`: the root's, or a session's `base_url`. */
async function admin(path, base = BASE) {
  const response = await fetch(`${base}/__admin${path}`);
  assert.equal(response.status, 200, `GET /__admin${path}`);
  return response.json();
}

/** The faultcode text of a SOAP fault node-soap rejected with. */
function faultCode(error) {
  const fault = error.root && error.root.Envelope && error.root.Envelope.Body.Fault;
  assert.ok(fault, `expected a SOAP fault, got ${error}`);
  const code = fault.faultcode;
  return typeof code === 'object' ? code.$value : code;
}

const b64 = (text) => Buffer.from(text).toString('base64');

beforeEach(async () => {
  const response = await fetch(`${BASE}/__admin/reset`, { method: 'POST' });
  assert.equal(response.status, 204);
});

test('the WSDL binds all eleven operations', async () => {
  const client = await clientFor('alice@contoso.com');
  const description = client.describe();
  const operations = Object.keys(description.UMService.UMServiceSoap).sort();
  assert.deepEqual(operations, [
    'Disconnect', 'GetCallInfo', 'GetUMProperties', 'IsUMEnabled', 'PlayOnPhone', 'PlayOnPhoneGreeting',
    'ResetPIN', 'SetMissedCallNotificationEnabled', 'SetOofStatus', 'SetPlayOnPhoneDialString',
    'SetTelephoneAccessFolderEmail',
  ]);
});

test('ResetPIN sends an email with the new PIN', async () => {
  const alice = await clientFor('alice@contoso.com');
  const before = (await admin('/mailboxes/alice@contoso.com')).pin;

  await call(alice, 'ResetPIN');

  const email = await admin('/emails/latest?to=alice@contoso.com');
  const mailbox = await admin('/mailboxes/alice@contoso.com');
  assert.equal(email.operation, 'ResetPIN');
  assert.equal(email.pin, mailbox.pin);
  assert.notEqual(email.pin, before);
  assert.ok(email.text_body.includes(email.pin));
});

test('IsUMEnabled is true for alice and false, not a fault, for bob', async () => {
  const alice = await clientFor('alice@contoso.com');
  const bob = await clientFor('bob@contoso.com');

  assert.equal(await value(alice, 'IsUMEnabled'), true);
  assert.equal(await value(bob, 'IsUMEnabled'), false);
});

test('settings set through the client come back from GetUMProperties', async () => {
  const alice = await clientFor('alice@contoso.com');
  const folderId = b64('voicemail-folder-id');

  await call(alice, 'SetOofStatus', { status: true });
  await call(alice, 'SetMissedCallNotificationEnabled', { status: true });
  await call(alice, 'SetPlayOnPhoneDialString', { dialString: '4255550142' });
  await call(alice, 'SetTelephoneAccessFolderEmail', { base64FolderId: folderId });
  const properties = await value(alice, 'GetUMProperties');

  assert.equal(properties.OofStatus, true);
  assert.equal(properties.MissedCallNotificationEnabled, true);
  assert.equal(properties.PlayOnPhoneDialString, '4255550142');
  assert.equal(properties.TelephoneAccessNumbers, '+1 425 555 0100, +1 425 555 0199');
  assert.equal(properties.TelephoneAccessFolderEmail, folderId);
});

test('PlayOnPhone returns a call id that GetCallInfo and Disconnect accept', async () => {
  const alice = await clientFor('alice@contoso.com');

  const callId = await value(alice, 'PlayOnPhone', { entryId: b64('a voice message item id'), DialString: '4255550142' });
  const info = await value(alice, 'GetCallInfo', { CallId: callId });

  assert.equal(typeof callId, 'string');
  assert.match(Buffer.from(callId, 'base64').toString(), /@/, 'a call id is base64 of <guid>@<server fqdn>');
  assert.ok(CALL_STATES.includes(info.CallState), info.CallState);
  assert.ok(EVENT_CAUSES.includes(info.EventCause), info.EventCause);

  await call(alice, 'Disconnect', { CallId: callId });
  assert.equal((await value(alice, 'GetCallInfo', { CallId: callId })).CallState, 'Disconnected');
});

test('PlayOnPhoneGreeting returns a call id', async () => {
  const alice = await clientFor('alice@contoso.com');

  const callId = await value(alice, 'PlayOnPhoneGreeting', { GreetingType: 'NormalCustom', DialString: '4255550142' });

  assert.match(Buffer.from(callId, 'base64').toString(), /@/);
  await call(alice, 'Disconnect', { CallId: callId });
});

test('a caller not UM-enabled gets a SOAP fault naming UserNotUmEnabledException', async () => {
  const bob = await clientFor('bob@contoso.com');

  const error = await call(bob, 'ResetPIN').then(
    () => assert.fail('ResetPIN succeeded for bob'),
    (e) => e,
  );

  assert.match(faultCode(error), /UserNotUmEnabledException$/);
  assert.equal((await admin('/emails')).total, 0);
});

test('a bad entryId is an InvalidObjectIdException fault', async () => {
  const alice = await clientFor('alice@contoso.com');

  const error = await call(alice, 'PlayOnPhone', { entryId: 'not base64!', DialString: '4255550142' }).then(
    () => assert.fail('PlayOnPhone accepted an entryId that is not base64'),
    (e) => e,
  );

  assert.match(faultCode(error), /InvalidObjectIdException$/);
});

test('a wrong password is an HTTP 401, not a fault', async () => {
  const dave = await clientFor('dave@contoso.com', 'wrong');

  const error = await call(dave, 'IsUMEnabled').then(
    () => assert.fail('IsUMEnabled succeeded with a wrong password'),
    (e) => e,
  );

  assert.equal(error.response && error.response.status, 401);
});

test('the 2007 path and an upper-case WSDL query work too', async () => {
  const dave = await clientFor('CONTOSO\\dave', 'P@ssw0rd!', '/UnifiedMessaging/Service.asmx', 'WSDL');

  assert.equal(await value(dave, 'IsUMEnabled'), true);

  const journal = await admin('/requests?operation=IsUMEnabled');
  assert.equal(journal.requests.at(-1).path, '/UnifiedMessaging/Service.asmx');
});

test("a session's WSDL sends node-soap's calls under its prefix, and only its double gets the email", async () => {
  const created = await fetch(`${BASE}/__admin/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'node-soap' }),
  });
  assert.equal(created.status, 201);
  const session = await created.json();
  try {
    // The WSDL comes from the session; the call goes wherever its soap:address says.
    const alice = await clientFor('alice@contoso.com', 'secret', ENDPOINT, 'wsdl', session.base_url);

    await call(alice, 'ResetPIN');

    const email = await admin('/emails/latest?to=alice@contoso.com', session.base_url);
    assert.equal(email.pin, (await admin('/mailboxes/alice@contoso.com', session.base_url)).pin);
    assert.equal((await admin('/emails?to=alice@contoso.com')).total, 0);
  } finally {
    const ended = await fetch(`${BASE}/__admin/sessions/${session.id}`, { method: 'DELETE' });
    assert.equal(ended.status, 204);
  }
});
