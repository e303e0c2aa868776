/** Every table the latest schema has; one list for every test that checks the schema is intact. */
export const EXPECTED_TABLES = [
  'audit_log',
  'balances',
  'controls',
  'events',
  'intents',
  'meta',
  'paper_balances',
  'positions',
  'schema_migrations',
  'trades',
  'user_settings',
  'users',
  'wallets',
  'whitelist',
  'withdrawals',
];
