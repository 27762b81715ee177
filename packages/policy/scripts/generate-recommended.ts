/**
 * Writes rules/recommended.json from rules/recommended.yaml: the recommended ruleset parsed and
 * validated once, at build time, so a hook process (one per Claude Code event) loads it with
 * JSON.parse instead of paying the YAML parser's and zod's cold start. The YAML stays the
 * source; test/recommended-json.test.ts fails when the two drift apart.
 * Run: npm run generate -w @agent-otel/policy
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parsePolicyText } from '../src/policy-file.js';

const source = new URL('../rules/recommended.yaml', import.meta.url);
const target = new URL('../rules/recommended.json', import.meta.url);
const policy = parsePolicyText(readFileSync(source, 'utf8'), 'recommended.yaml');
writeFileSync(target, JSON.stringify(policy, null, 2) + '\n');
console.log(`wrote ${target.pathname}`);
