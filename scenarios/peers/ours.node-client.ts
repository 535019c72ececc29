/**
 * Our client in a Node load generator: over TLS each client gets its own platform (nodePlatform:
 * the run's CA, HTTP/2 when the run offers it), so each holds its own connections, as separate
 * users' browsers would. Browser pages use ours.client.ts as it is: the browser brings TLS and HTTP/2.
 */
import { nodePlatform } from '../../client/platform.secure.node.js';
import type { ClientFactory } from './adapter.js';
import { createOurClient } from './ours.client.js';

/** After close, the pool stays this long so the client's goodbye still goes out. */
const POOL_LINGER_MS = 1000;

export const createOurNodeClient: ClientFactory = (baseUrl, options, events) => {
  if (!options.tls) return createOurClient(baseUrl, options, events);
  const platform = nodePlatform({ ca: options.tls.ca, http: options.tls.http });
  const adapter = createOurClient(baseUrl, options, events, platform);
  return {
    ...adapter,
    close() {
      adapter.close();
      setTimeout(() => void platform.close(), POOL_LINGER_MS).unref();
    },
  };
};
