import { conformance } from './suite.js';

conformance('sse');
