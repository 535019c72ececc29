import { conformance } from './suite.js';

conformance('websocket');
