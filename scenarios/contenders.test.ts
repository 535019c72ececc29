/** The contender table: ours derive from the protocol's transports; every fact is stated once per contender. */
import { expect, it } from 'vitest';
import { TRANSPORTS } from '../protocol/index.js';
import {
  CONTENDER_INFO,
  CONTENDERS,
  hasBrowserClient,
  isContender,
  OUR_CONTENDERS,
  pinnedTransport,
} from './contenders.js';
import { resultsFileSchema } from './results.js';

it('makes each protocol transport a contender pinned to it, plus auto walking all of them', () => {
  expect(OUR_CONTENDERS).toEqual([...TRANSPORTS, 'auto']);
  for (const transport of TRANSPORTS) {
    expect(CONTENDER_INFO[transport]).toMatchObject({ family: 'ours', dialect: 'envelope', peer: false });
    expect(pinnedTransport(transport)).toBe(transport);
    expect(hasBrowserClient(transport)).toBe(true);
  }
  expect(CONTENDER_INFO.auto.transports).toEqual(TRANSPORTS);
  expect(pinnedTransport('auto')).toBeNull();
});

it('states every fact for every contender, and gives each its own colour', () => {
  expect(Object.keys(CONTENDER_INFO)).toEqual([...CONTENDERS]);
  for (const c of CONTENDERS) {
    const info = CONTENDER_INFO[c];
    expect(info.transports.length, c).toBeGreaterThan(0);
    expect(info.peer, c).toBe(info.family !== 'ours');
    expect(info.title.length, c).toBeGreaterThan(10);
    expect(info.color, c).toMatch(/^#[0-9a-f]{6}$/);
  }
  expect(new Set(CONTENDERS.map((c) => CONTENDER_INFO[c].color)).size).toBe(CONTENDERS.length);
  expect(hasBrowserClient('raw-ws')).toBe(false);
  expect(pinnedTransport('socketio-polling')).toBe('polling');
  expect(pinnedTransport('socketio')).toBeNull();
});

it('is what the results schema accepts as a contender', () => {
  expect(isContender('websocket')).toBe(true);
  expect(isContender('toString')).toBe(false);
  const contender = resultsFileSchema.shape.runs.element.shape.contender;
  for (const c of CONTENDERS) expect(contender.safeParse(c).success, c).toBe(true);
  expect(contender.safeParse('carrier-pigeon').success).toBe(false);
});
