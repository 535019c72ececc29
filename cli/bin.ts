#!/usr/bin/env node
// The `transport-lab` command as installed (package.json "bin" → dist/cli/bin.js): the compiled
// CLI under plain node, no tsx. In a clone, `npx tsx cli/main.ts` runs the same from source.
import { main } from './main.js';

await main(process.argv);
