import { conformance } from '../conformance.suite.js';

conformance('websocket');
