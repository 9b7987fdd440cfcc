// ESLint (flat config) over every JS file we write; `npm test` runs it (scripts/test.sh, lint layer).
// Generated and fetched code stays out: pkg/ and dist/ come from wasm-bindgen and the build,
// bench/node_modules and bench/.work hold the peers' SDKs, www/console/vendor the console's player (set-up copies it).
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/**', 'pkg/**', 'pkg-replay/**', 'pkg-remote/**', 'target/**', 'test-output/**', 'node_modules/**', 'bench/node_modules/**', 'bench/.work/**', 'www/console/vendor/**'] },
  js.configs.recommended,
  {
    rules: {
      // `_name` marks a parameter kept for its position (callbacks, wasm-bindgen signatures).
      // `{ drop, ...rest }` is how a field is left out of a copy.
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  // The SDK in the page: ES modules (the facade, wasm-bindgen snippets and the browser-test helpers).
  { files: ['js/**/*.js', 'src/browser/**/*.js', 'tests/web_helpers.js'], languageOptions: { sourceType: 'module', globals: globals.browser } },
  // Report tuples leave the slots a kind does not use empty: each `void 0` would cost page bytes.
  { files: ['src/browser/collectors/*.js'], rules: { 'no-sparse-arrays': 'off' } },
  // The console and the demo: classic scripts loaded by a <script> tag.
  { files: ['www/**/*.js'], languageOptions: { sourceType: 'script', globals: globals.browser } },
  // Node scripts and tests; their `page.evaluate` callbacks run in the browser, hence both sets.
  {
    files: ['scripts/**/*.mjs', 'tests/**/*.mjs', 'bench/**/*.mjs', 'eslint.config.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
  },
];
