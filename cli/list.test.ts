/** `transport-lab list` and the docs read the registries; nothing is restated by hand. */
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { CONTENDER_INFO, CONTENDERS } from '../scenarios/contenders.js';
import { describeMiddlebox, MIDDLEBOX_LIST } from '../scenarios/network/middleboxes.js';
import { listText } from './list.js';

it('lists every contender and middlebox with what it is, from their registries', () => {
  const text = listText();
  for (const c of CONTENDERS) expect(text).toMatch(new RegExp(`^  ${c} +${escape(CONTENDER_INFO[c].title)}$`, 'm'));
  for (const { usage, description } of MIDDLEBOX_LIST)
    expect(text).toMatch(new RegExp(`^  ${escape(usage)} +${escape(description)}$`, 'm'));
});

it('describes a middlebox with its parameter', () => {
  expect(describeMiddlebox('flaky:5')).toBe('cuts every open connection every 5 s');
  expect(describeMiddlebox('idle-timeout')).toBe(MIDDLEBOX_LIST.find((m) => m.name === 'idle-timeout')!.description);
  expect(() => describeMiddlebox('nat')).toThrow(/Unknown middlebox "nat"/);
});

it("docs/scenarios.md's middlebox table is the registry's", async () => {
  const docs = await readFile(new URL('../docs/scenarios.md', import.meta.url), 'utf8');
  const rows = docs.split('\n').filter((line) => /^\| `[a-z-]+(\[[^\]]*\])?` \|/.test(line));
  expect(rows).toEqual(MIDDLEBOX_LIST.map(({ usage, description }) => `| \`${usage}\` | ${description} |`));
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
