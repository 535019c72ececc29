/**
 * The demo on a cluster (demo/cluster.ts: Redis, 3 demo nodes, HAProxy round-robin with no affinity)
 * in a real Chromium: the tab shows the node serving it; "Kill this node" SIGKILLs that node, and the
 * tab resumes on another one with no tick lost or doubled — the ticker's broadcasts during the
 * failover wait in the backplane for the session's new node.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { freePort } from '../scenarios/cluster/ports.js';

let demo: ChildProcess;
let url: string;

test.beforeAll(async () => {
  const port = await freePort();
  // node itself (tsx as a loader), not `npx tsx`: the SIGTERM of afterAll must reach demo/cluster.ts, which then
  // stops its nodes, Redis and HAProxy (npx exits on it and leaves the whole cluster running).
  demo = spawn(process.execPath, ['--import', 'tsx', 'demo/cluster.ts', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the cluster demo did not start in 60 s')), 60_000);
    demo.stdout!.on('data', (d: Buffer) => {
      if (!d.toString().includes('demo on a cluster')) return;
      clearTimeout(timer);
      resolve();
    });
    demo.once('exit', (code) => reject(new Error(`the cluster demo exited (${code})`)));
  });
  url = `http://localhost:${port}`;
});

test.afterAll(async () => {
  const exited = new Promise((resolve) => demo.once('exit', resolve));
  demo.kill('SIGTERM');
  await exited;
});

const count = async (page: Page, id: string) => Number((await page.getByTestId(id).innerText()).replace(/,/g, ''));

for (const transport of ['websocket', 'long-polling'] as const) {
  test(`kill this node: the tab resumes on another node, no tick lost or doubled (${transport})`, async ({
    page,
  }, testInfo) => {
    test.setTimeout(90_000);
    await page.goto(`${url}/?transport=${transport}&room=cluster-${transport}&name=dora`);
    const node = page.getByTestId('node');
    await expect(node).toHaveText(/^node\d$/);
    // The ticker runs on node0: kill another one (reconnect until the balancer puts the tab elsewhere).
    for (let i = 0; i < 6 && (await node.innerText()) === 'node0'; i++) {
      const session = await page.locator('#session').innerText();
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await expect(page.locator('#session')).not.toHaveText(session);
      await expect(node).toHaveText(/^node\d$/);
    }
    const victim = await node.innerText();
    expect(victim).not.toBe('node0');
    await expect.poll(() => count(page, 'ticks'), { timeout: 15_000 }).toBeGreaterThan(20);
    const before = { lost: await count(page, 'lost'), dup: await count(page, 'dup') };
    await page.getByRole('button', { name: 'Kill this node' }).click();
    await expect(node).not.toHaveText(victim, { timeout: 20_000 });
    await expect(node).toHaveText(/^node\d$/);
    const ticks = await count(page, 'ticks');
    await expect.poll(() => count(page, 'ticks'), { timeout: 15_000 }).toBeGreaterThan(ticks + 20);
    expect({ lost: await count(page, 'lost'), dup: await count(page, 'dup') }).toEqual(before);
    await expect(page.getByTestId('events')).toContainText('resumed on');
    if (transport === 'websocket') {
      // The README's picture: refreshed only when asked (UPDATE_DOCS=1), so a test run leaves the tree clean.
      const path = process.env.UPDATE_DOCS ? 'docs/cluster-screenshot.png' : testInfo.outputPath('cluster.png');
      await page.setViewportSize({ width: 1440, height: 960 });
      await page.screenshot({ path });
      await testInfo.attach('cluster.png', { path, contentType: 'image/png' });
    }
  });
}
