#!/usr/bin/env node
// The harvest command. The engine is TypeScript run through tsx's loader, so the
// CLI, the headless host and the tests all execute the same sources.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../engine/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
