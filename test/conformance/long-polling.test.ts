import { conformance } from './suite.js';

conformance('long-polling');
