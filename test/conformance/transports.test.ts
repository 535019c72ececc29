/**
 * Every registered transport passes the conformance suite: registering a transport (protocol/
 * transports.ts and both sides' registries) is what puts it under test; no file per transport.
 */
import { TRANSPORTS } from '../../protocol/index.js';
import { conformance } from './suite.js';

for (const transport of TRANSPORTS) conformance(transport);
