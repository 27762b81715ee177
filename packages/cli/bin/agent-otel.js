#!/usr/bin/env node
// Thin launcher: the compiled entry point lives in dist/ (run `npm run build` first).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
