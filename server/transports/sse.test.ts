import { conformance } from '../conformance.suite.js';

conformance('sse');
