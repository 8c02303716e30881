#!/usr/bin/env node
// Drives a running commerce-mock with MockServer's own npm client (mockserver-client), so that a
// test suite written for MockServer runs unchanged against it. It starts nothing itself:
//   node tests/js/mockserver_client_test.js HOST PORT
// Every check resets the mock first; the script prints one line per check and exits 1 when any
// check fails (2 on bad arguments).
'use strict';

const http = require('http');
const { mockServerClient } = require('mockserver-client');

const [host, portText] = process.argv.slice(2);
const port = Number(portText);
if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('usage: node mockserver_client_test.js HOST PORT');
  process.exit(2);
}
const client = mockServerClient(host, port);

/// A data-plane request to the mock: resolves to {status, body, headers}.
function send(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body: data, headers: res.headers }));
    });
    req.on('error', reject);
    if (body !== undefined)
      req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

function check(condition, message) {
  if (!condition)
    throw new Error(message);
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}

/// Awaits a client call that must fail; returns its failure text, which must contain `part`.
async function fails(promiseLike, part) {
  let failure;
  try {
    await promiseLike;
  } catch (e) {
    failure = typeof e === 'string' ? e : (e && e.message) || JSON.stringify(e);
  }
  check(failure !== undefined, `expected the call to fail with "${part}", it succeeded`);
  check(failure.includes(part), `expected a failure containing "${part}", got: ${failure}`);
  return failure;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (expectations) => expectations.map((e) => e.id);
const paths = (requests) => requests.map((r) => r.path);

const checks = [];
const test = (name, fn) => checks.push({ name, fn });

test('mockAnyResponse answers 201 with the upserted expectations, times and timeToLive included', async () => {
  const created = await client.mockAnyResponse({
    id: 'payment-create',
    priority: 5,
    httpRequest: { method: 'POST', path: '/api/v1/payments' },
    httpResponse: { statusCode: 201, body: JSON.stringify({ payment_id: 'pay_1', status: 'pending' }) },
    times: { remainingTimes: 2, unlimited: false },
    timeToLive: { timeUnit: 'SECONDS', timeToLive: 60, unlimited: false },
  });
  equal(created.statusCode, 201, 'status of PUT /mockserver/expectation');
  const answered = JSON.parse(created.body);
  check(Array.isArray(answered) && answered.length === 1, `201 body should be an array of one: ${created.body}`);
  equal(answered[0].id, 'payment-create', 'id');
  equal(answered[0].priority, 5, 'priority');
  equal(answered[0].times, { remainingTimes: 2 }, 'times');
  equal(answered[0].timeToLive, { timeUnit: 'SECONDS', timeToLive: 60 }, 'timeToLive');

  const first = await send('POST', '/api/v1/payments', { amount: 100 });
  equal(first.status, 201, 'first payment status');
  equal(JSON.parse(first.body).payment_id, 'pay_1', 'payment_id');
  equal((await send('POST', '/api/v1/payments', {})).status, 201, 'second payment status');
  equal((await send('POST', '/api/v1/payments', {})).status, 404, 'times used up: status');
  equal(ids(await client.retrieveActiveExpectations({})), [], 'active expectations after times ran out');
});

test('an array of expectations, each with a generated id; unlimited times and timeToLive', async () => {
  const created = await client.mockAnyResponse([
    { httpRequest: { path: '/a' }, httpResponse: { body: 'a' }, times: { unlimited: true }, timeToLive: { unlimited: true } },
    { httpRequest: { path: '/b' }, httpResponse: { body: 'b' } },
  ]);
  const answered = JSON.parse(created.body);
  equal(answered.length, 2, 'expectations answered');
  check(answered.every((e) => typeof e.id === 'string' && e.id.length > 0), `ids filled in: ${created.body}`);
  check(answered[0].id !== answered[1].id, 'distinct generated ids');
  equal(answered[0].times, { unlimited: true }, 'times');
  equal(answered[0].timeToLive, { unlimited: true }, 'timeToLive');
  for (let i = 0; i < 3; ++i)
    equal((await send('GET', '/a')).body, 'a', 'unlimited expectation answer');
  equal((await send('GET', '/b')).body, 'b', 'second expectation answer');
});

test('mockSimpleResponse answers once with the JSON it was given', async () => {
  await client.mockSimpleResponse('/simple', { ok: true }, 203);
  const r = await send('GET', '/simple');
  equal(r.status, 203, 'status');
  equal(JSON.parse(r.body), { ok: true }, 'body');
  equal((await send('GET', '/simple')).status, 404, 'second call (times: once)');
});

test('priority orders matching (higher first, then creation order); upsert by id replaces', async () => {
  await client.mockAnyResponse({ id: 'fallback', priority: -10, httpRequest: { path: '/p/.*' }, httpResponse: { statusCode: 503, body: 'fallback' } });
  await client.mockAnyResponse({ id: 'normal', httpRequest: { path: '/p/x' }, httpResponse: { body: 'normal' } });
  await client.mockAnyResponse({ id: 'older', httpRequest: { path: '/p/x' }, httpResponse: { body: 'newer-same-priority' } });
  await client.mockAnyResponse({ id: 'urgent', priority: 10, httpRequest: { path: '/p/x' }, httpResponse: { body: 'urgent' }, times: { remainingTimes: 1, unlimited: false } });
  equal((await send('GET', '/p/x')).body, 'urgent', 'highest priority first');
  equal((await send('GET', '/p/x')).body, 'normal', 'then the oldest of equal priority');
  const other = await send('GET', '/p/y');
  equal([other.status, other.body], [503, 'fallback'], 'negative priority as a fallback');
  equal(ids(await client.retrieveActiveExpectations({})), ['normal', 'older', 'fallback'], 'active, by priority then age');

  await client.mockAnyResponse({ id: 'normal', httpRequest: { path: '/p/x' }, httpResponse: { body: 'replaced' } });
  equal((await send('GET', '/p/x')).body, 'replaced', 'upserted expectation answers');
  equal(ids(await client.retrieveActiveExpectations({})), ['normal', 'older', 'fallback'], 'upsert kept one expectation per id');
});

test('timeToLive expires an expectation', async () => {
  await client.mockAnyResponse({ id: 'short', httpRequest: { path: '/ttl' }, httpResponse: { body: 'alive' },
                                 timeToLive: { timeUnit: 'MILLISECONDS', timeToLive: 700, unlimited: false } });
  equal((await send('GET', '/ttl')).body, 'alive', 'before expiry');
  await sleep(900);
  equal((await send('GET', '/ttl')).status, 404, 'after expiry');
  equal(ids(await client.retrieveActiveExpectations({})), [], 'expired expectation is not active');
});

test('verify with atLeast/atMost; failures carry MockServer\'s text', async () => {
  for (let i = 0; i < 3; ++i)
    await send('GET', '/api/v1/payments/pay_1');
  await client.verify({ method: 'GET', path: '/api/v1/payments/pay_1' }, 3, 3);
  await client.verify({ path: '/api/v1/payments/pay_1' });  // the client's default: at least once
  await client.verify({ path: '/api/v1/payments/pay_1' }, 2);
  await client.verify({ path: '/api/v1/payments/.*' }, undefined, 5);
  await client.verify({ path: '/never' }, 0, 0);
  await fails(client.verify({ path: '/api/v1/payments/pay_1' }, 4), 'Request not found at least 4 times');
  await fails(client.verify({ path: '/api/v1/payments/pay_1' }, 1, 2), 'Request not found between 1 and 2 times');
  await fails(client.verify({ path: '/never' }), 'Request not found at least once');
});

test('verifySequence allows gaps and fails out of order', async () => {
  for (const p of ['/s/a', '/s/x', '/s/b', '/s/c'])
    await send('GET', p);
  await client.verifySequence({ path: '/s/a' }, { path: '/s/b' }, { path: '/s/c' });
  await client.verifySequence({ path: '/s/x' }, { path: '/s/c' });
  await fails(client.verifySequence({ path: '/s/b' }, { path: '/s/a' }), 'Request sequence not found');
});

test('verify by expectation id (the client sends a plain string) and verifySequenceById', async () => {
  await client.mockAnyResponse([
    { id: 'email-send', httpRequest: { method: 'POST', path: '/api/v1/emails/send' }, httpResponse: { statusCode: 202 } },
    { id: 'sms-send', httpRequest: { method: 'POST', path: '/api/v1/sms/send' }, httpResponse: { statusCode: 202 } },
  ]);
  await send('POST', '/api/v1/emails/send', { to: 'a@example.com' });
  await send('POST', '/api/v1/sms/send', { to: '+70000000000' });
  await send('POST', '/api/v1/emails/send', { to: 'b@example.com' });
  await client.verifyById('email-send', 2, 2);
  await client.verifyById('sms-send');
  await client.verifyById({ id: 'sms-send' }, 1, 1);  // MockServer's own {"id": ...} form
  await fails(client.verifyById('sms-send', 2), 'Request not found at least 2 times');
  await fails(client.verifyById('unknown-id'), 'Request not found');
  await client.verifySequenceById('email-send', 'sms-send', 'email-send');
  await fails(client.verifySequenceById('sms-send', 'sms-send'), 'Request sequence not found');
});

test('retrieveRecordedRequests, whole and filtered', async () => {
  await send('POST', '/api/v1/shipping/calculate', { city: 'Moscow', weight: 1.5 }, { 'Content-Type': 'application/json' });
  await send('GET', '/api/v1/inventory?page=2');
  const all = await client.retrieveRecordedRequests({});
  equal(paths(all), ['/api/v1/shipping/calculate', '/api/v1/inventory'], 'all recorded requests');
  equal(all[0].body.city, 'Moscow', 'a JSON body comes back as JSON');
  equal(paths(await client.retrieveRecordedRequests('/api/v1/inventory')), ['/api/v1/inventory'], 'filtered by path');
  equal(paths(await client.retrieveRecordedRequests({ method: 'POST' })), ['/api/v1/shipping/calculate'], 'filtered by method');
});

test('retrieveActiveExpectations, retrieveRecordedExpectations, retrieveRecordedRequestsAndResponses', async () => {
  await client.mockAnyResponse({ id: 'ship', httpRequest: { path: '/ship' }, httpResponse: { statusCode: 200, body: 'boxed' }, times: { remainingTimes: 3, unlimited: false } });
  await client.mockAnyResponse({ id: 'other', httpRequest: { path: '/other' }, httpResponse: { body: 'x' } });
  await send('POST', '/ship', { weight: 2 });
  await send('GET', '/unmatched');

  const active = await client.retrieveActiveExpectations({ path: '/ship' });
  equal(ids(active), ['ship'], 'active expectations filtered by path');
  equal(active[0].times, { remainingTimes: 2 }, 'remaining times after one use');

  const recorded = await client.retrieveRecordedExpectations({});
  equal(recorded.length, 1, 'recorded expectations (answered exchanges)');
  equal([recorded[0].httpRequest.path, recorded[0].httpResponse.body], ['/ship', 'boxed'], 'recorded expectation');
  equal(recorded[0].times, { remainingTimes: 1 }, 'recorded expectation times');

  const pairs = await client.retrieveRecordedRequestsAndResponses({});
  equal(pairs.map((p) => [p.httpRequest.path, p.httpResponse.statusCode]), [['/ship', 200], ['/unmatched', 404]], 'request/response pairs');
  check(typeof pairs[0].timestamp === 'string' && pairs[0].timestamp.length > 0, 'pairs carry a timestamp');
  equal((await client.retrieveRecordedRequestsAndResponses({ path: '/unmatched' })).length, 1, 'pairs filtered');
});

test('retrieveLogMessages returns MockServer\'s log messages', async () => {
  await client.mockAnyResponse({ id: 'logged', httpRequest: { path: '/logged' }, httpResponse: { body: 'ok' } });
  await send('GET', '/logged');
  await send('GET', '/not-logged-expectation');
  const messages = await client.retrieveLogMessages({});
  check(Array.isArray(messages) && messages.length >= 4, `expected several messages, got ${JSON.stringify(messages)}`);
  const has = (part) => messages.some((m) => m.includes(part));
  for (const part of ['creating expectation:', 'received request:', 'returning response:', 'from expectation:', 'no expectation for:'])
    check(has(part), `no log message contains "${part}": ${JSON.stringify(messages)}`);
  check(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} - /.test(messages[0].trim()), `timestamped messages: ${messages[0]}`);
});

test('clear with each type, by request matcher and by id; reset', async () => {
  const setUp = async () => {
    await client.mockAnyResponse([
      { id: 'pay', httpRequest: { path: '/api/v1/payments' }, httpResponse: { body: 'pay' } },
      { id: 'ship', httpRequest: { path: '/api/v1/shipping' }, httpResponse: { body: 'ship' } },
    ]);
    await send('GET', '/api/v1/payments');
    await send('GET', '/api/v1/shipping');
  };
  const state = async () => [ids(await client.retrieveActiveExpectations({})), paths(await client.retrieveRecordedRequests({}))];

  await setUp();
  await client.clear('/api/v1/payments', 'LOG');
  equal(await state(), [['pay', 'ship'], ['/api/v1/shipping']], 'clear LOG by path');
  await client.clear({ path: '/api/v1/shipping' }, 'EXPECTATIONS');
  equal(await state(), [['pay'], ['/api/v1/shipping']], 'clear EXPECTATIONS by matcher');
  await client.clear('/api/v1/payments', 'ALL');
  equal(await state(), [[], ['/api/v1/shipping']], 'clear ALL by path');
  await client.clear();
  equal(await state(), [[], []], 'clear without a matcher');

  await setUp();
  await client.clearById('pay', 'LOG');
  equal(await state(), [['pay', 'ship'], ['/api/v1/shipping']], 'clearById LOG');
  await client.clearById('ship', 'EXPECTATIONS');
  equal(await state(), [['pay'], ['/api/v1/shipping']], 'clearById EXPECTATIONS');
  await send('GET', '/api/v1/payments');
  await client.clearById('pay');
  equal(await state(), [[], ['/api/v1/shipping']], 'clearById (ALL)');
  equal((await send('GET', '/api/v1/payments')).status, 404, 'cleared expectation no longer answers');

  await setUp();
  await client.reset();
  equal(await state(), [[], []], 'reset');
  await client.verify({ path: '/api/v1/payments' }, 0, 0);
});

(async () => {
  let failed = 0;
  for (const { name, fn } of checks) {
    try {
      await client.reset();
      await fn();
      console.log(`PASS ${name}`);
    } catch (e) {
      ++failed;
      console.log(`FAIL ${name}\n     ${e && e.stack ? e.stack : e}`);
    }
  }
  console.log(`${checks.length - failed}/${checks.length} mockserver-client checks passed against ${host}:${port}`);
  process.exit(failed ? 1 : 0);
})();
