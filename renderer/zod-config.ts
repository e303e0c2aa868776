import { config } from 'zod';

/**
 * zod probes `new Function('')` to decide whether to compile parsers; both
 * hosts forbid eval (script-src 'self'), so the probe only produces a CSP
 * violation report. Imported first by main.tsx, before any schema exists.
 */
config({ jitless: true });
