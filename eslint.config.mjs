// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['node_modules/', 'dist/', '.data/', 'coverage/', 'schema/', 'console/dist/']),
  {
    files: [
      'src/**/*.ts',
      'tests/**/*.ts',
      'seeds/**/*.ts',
      'migrations/**/*.ts',
      'bench/**/*.ts',
      '*.ts',
    ],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // The read model types API classes as `Function` on purpose (class references).
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // Must stay off: emitDecoratorMetadata needs value imports of the classes named in
      // decorated signatures, and `import type` (which this rule's autofix writes) erases them.
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-require-imports': 'error',
    },
  },
  {
    // The web console: React in the browser, built by Vite (console/vite.config.mts).
    files: ['console/**/*.{ts,tsx,mts}'],
    extends: [
      js.configs.recommended,
      tseslint.configs.recommended,
      reactHooks.configs.flat['recommended-latest'],
    ],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests read GraphQL responses, whose shape is the query's: `any` is their honest type.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // migrations/ (written by the MikroORM migrator, never edited after landing) needs no
  // exceptions today: the generated files pass the rules above. Add an override here, not an
  // edit to a landed migration, if a future generator version trips a rule.
  {
    // CommonJS configuration at the root (jest.config.js).
    files: ['**/*.js', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        exports: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        process: 'readonly',
      },
    },
  },
  {
    // ESM scripts run by node (console/build.mjs) and this file.
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
);
