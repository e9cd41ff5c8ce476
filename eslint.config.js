// ESLint: typescript-eslint with type information for src/, plain recommended rules for the rest.
// Layers and cycles are checked by dependency-cruiser (.dependency-cruiser.cjs), formatting by Prettier.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/.work/', 'test/.screenshots/'] },
  js.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      // Many async functions implement an async interface (UploadTarget, EventsApi, a command
      // handler) without awaiting anything themselves; that is not a defect here.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The browser client runs in a page, not in Node.
    files: ['src/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // People read stderr and stdout through src/output (and the CLI's entry point); nothing else prints.
    files: ['src/**/*.ts'],
    ignores: ['src/output/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // Tests poke at loosely typed JSON answers: the unsafe-any family would only add casts there.
    files: ['test/**/*.ts', 'bench/**', 'fixtures/**', '*.config.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
