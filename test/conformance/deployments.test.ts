/**
 * The conformance suite again for every transport on production-shaped deployments: HTTPS on
 * HTTP/1.1, HTTP/2 with TLS (WebSocket over the HTTP/1.1 upgrade on the same port), and compression
 * (gzip/brotli for SSE and long-polling, permessage-deflate for WebSocket) in the clear and over HTTP/2.
 */
import { TRANSPORT_CAPABILITIES, TRANSPORTS } from '../../protocol/index.js';
import type { Deployment } from '../helpers/server.js';
import { conformance } from './suite.js';

const DEPLOYMENTS: Deployment[] = [
  { tls: true, http: '1.1', compression: false },
  { tls: true, http: '2', compression: false },
  { tls: false, http: '1.1', compression: true },
  { tls: true, http: '2', compression: true },
];

for (const deployment of DEPLOYMENTS)
  for (const transport of TRANSPORTS) conformance(transport, TRANSPORT_CAPABILITIES[transport], deployment);
