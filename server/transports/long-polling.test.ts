import { conformance } from '../conformance.suite.js';

conformance('long-polling');
