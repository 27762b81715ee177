// ESLint flat config: typescript-eslint's recommended rules, Prettier for formatting, and the
// project's boundaries as lint rules.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.tsbuildinfo'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // The GenAI and MCP conventions are at Development stability: src/ keeps its own copies
    // in @agent-otel/semconv instead of importing the incubating entry point at runtime.
    files: ['packages/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@opentelemetry/semantic-conventions/incubating',
              message: 'Use the keys of @agent-otel/semconv; only tests may import /incubating.',
            },
          ],
          patterns: [
            {
              group: ['@opentelemetry/semantic-conventions/incubating/*'],
              message: 'Use the keys of @agent-otel/semconv; only tests may import /incubating.',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
