/**
 * `transport-lab/server/redis`: the Redis backplane, an entry of its own so that a server without a
 * cluster never loads (or bundles) the Redis client.
 *
 *   import { createMessageServer } from 'transport-lab/server';
 *   import { redisBackplane } from 'transport-lab/server/redis';
 *   const rt = createMessageServer({ backplane: redisBackplane({ url: 'redis://…' }) });
 */
export { redisBackplane, compareIds, type RedisBackplaneOptions } from './backplanes/redis.js';
