/**
 * The echo fleet the throughput and latency sections share: one server process per contender
 * (echo application, straight on 127.0.0.1, no proxy) and one load-generator process holding
 * `clients` connected clients per contender. Contenders take turns; the others sit idle meanwhile.
 */
import { startRedis, type RedisServer } from '../scenarios/cluster/redis.js';
import { startHost, type Host } from './hosts.js';
import type { OpenResult } from './generator-host.js';
import type { BenchContender, Settings } from './settings.js';

export interface Fleet {
  generator: Host;
  servers: Map<BenchContender, Host>;
  /** Contenders whose clients did not all connect, with why: they are left out of the rounds. */
  failed: Map<BenchContender, string>;
  close(): Promise<void>;
}

const OPEN_TIMEOUT_MS = 20_000;

export async function startFleet(settings: Settings): Promise<Fleet> {
  const generator = startHost('generator-host');
  const servers = new Map<BenchContender, Host>();
  const failed = new Map<BenchContender, string>();
  let redis: RedisServer | null = null;
  const close = async () => {
    await generator.stop();
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await redis?.stop();
  };
  try {
    if (settings.backplane === 'redis') redis = await startRedis();
    await Promise.all(
      settings.contenders.map(async (contender) => {
        const server = startHost('server-host');
        servers.set(contender, server);
        const { port } = await server.call<{ port: number }>('init', {
          contender,
          app: 'echo',
          payloadBytes: settings.payloadBytes,
          redisUrl: redis?.url,
        });
        const opened = await generator.call<OpenResult>(
          'open',
          {
            group: contender,
            contender,
            baseUrl: `http://127.0.0.1:${port}`,
            count: settings.clients,
            concurrency: settings.clients,
            timeoutMs: OPEN_TIMEOUT_MS,
          },
          OPEN_TIMEOUT_MS + 10_000,
        );
        if (opened.opened < settings.clients)
          failed.set(
            contender,
            `${opened.opened} of ${settings.clients} clients connected ${opened.errors.join('; ')}`,
          );
      }),
    );
  } catch (err) {
    await close();
    throw err;
  }
  return { generator, servers, failed, close };
}
