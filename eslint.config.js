import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Time must come from the injected Clock inside the engine (DESIGN.md, principle 3). */
const wallClock = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'Use the injected Clock.',
  },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock.' },
  { selector: "CallExpression[callee.name='setTimeout']", message: 'Use clock.sleep().' },
  { selector: "CallExpression[callee.name='setInterval']", message: 'Use the scheduler on the injected Clock.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'release/', 'test-artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['engine/**/*.ts'],
    rules: {
      // The engine is headless (DESIGN.md, principle 1).
      'no-restricted-imports': [
        'error',
        { paths: ['electron', 'react', 'react-dom'], patterns: ['**/renderer/**', '**/electron/**'] },
      ],
      'no-restricted-syntax': ['error', ...wallClock],
    },
  },
  {
    // Adapters to the real world may read the wall clock; everything else gets a Clock.
    files: ['engine/kernel/clock.ts', 'engine/cli/**/*.ts', 'engine/host/**/*.ts', 'engine/sandbox/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // The renderer runs in a browser (or Electron's sandboxed renderer) and sees the engine only through
    // engine/api's contract, events and client, which depend on nothing but zod.
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron'],
          patterns: [
            {
              regex: '(^|/)engine/(?!api/(contract|events|client|human-text)$)',
              message: 'The renderer may import engine/api/contract, events, client and human-text only.',
            },
            { group: ['node:*', '**/electron/**'], message: 'The renderer runs in a browser.' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{js,mjs,ts}', 'bin/**/*.mjs', '*.config.{js,ts}'],
    rules: { 'no-console': 'off' },
  },
);
