/** Every table the latest schema has; one list for every test that checks the schema is intact. */
export const EXPECTED_TABLES = [
  'audit_log',
  'balances',
  'events',
  'meta',
  'positions',
  'schema_migrations',
  'user_settings',
  'users',
  'wallets',
  'whitelist',
  'withdrawals',
];
