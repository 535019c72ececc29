/**
 * The delivery accounting catches what goes wrong: faults injected on purpose (a message dropped,
 * one sent twice, one held back behind the next) show up as exactly that many lost, duplicated and
 * out-of-order messages per receiver — on the floor (raw ws) and on our transports.
 */
import { describe, expect, it } from 'vitest';
import { describeRun, testPlan } from './testkit.js';
import type { Contender } from '../results.js';
import { runPlan } from './runner.js';

const faults = { drop: [3], duplicate: [5], delay: [7] };
const clients = 2;
const messages = 12;

describe.each<Contender>(['raw-ws', 'websocket', 'long-polling'])('%s', (contender) => {
  it('counts a dropped, a duplicated and a delayed server message', async () => {
    const plan = testPlan(
      contender,
      { clients, messages, duration: '3s', traffic: { pattern: 'push', rate: 40 } },
      { faults: { downstream: faults } },
    );
    const r = await runPlan(plan);
    expect(r.status, describeRun(r)).toBe('ok');
    expect(r.delivery.serverToClient).toEqual({
      sent: messages * clients,
      received: (messages - 1) * clients,
      lost: clients,
      duplicated: clients,
      outOfOrder: clients,
    });
  });

  it('counts a dropped, a duplicated and a delayed client message', async () => {
    const plan = testPlan(
      contender,
      { clients, messages, duration: '3s', traffic: { pattern: 'upstream', rate: 40 } },
      { faults: { upstream: faults } },
    );
    const r = await runPlan(plan);
    expect(r.status, describeRun(r)).toBe('ok');
    expect(r.delivery.clientToServer).toEqual({
      sent: messages * clients,
      received: (messages - 1) * clients,
      lost: clients,
      duplicated: clients,
      outOfOrder: clients,
    });
  });
});

it('a client message sent twice counts as one upstream duplicate and is echoed once: no phantom downstream loss', async () => {
  const plan = testPlan(
    'websocket',
    { clients, messages, duration: '3s', traffic: { pattern: 'echo', rate: 40 } },
    { faults: { upstream: { duplicate: [5] } } },
  );
  const r = await runPlan(plan);
  expect(r.status, describeRun(r)).toBe('ok');
  expect(r.delivery.clientToServer).toMatchObject({
    sent: messages * clients,
    received: messages * clients,
    duplicated: clients,
    lost: 0,
  });
  expect(r.delivery.serverToClient).toMatchObject({
    sent: messages * clients,
    received: messages * clients,
    duplicated: 0,
    lost: 0,
  });
});
