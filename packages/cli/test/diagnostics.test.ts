/**
 * The commands' diagnostics on stderr: what the packages report through `diag` (an exporter
 * refusing spans for good, a torn queue record, a rule failing to evaluate) reaches the
 * operator, at OTEL_LOG_LEVEL.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { diag } from '@opentelemetry/api';
import { installDiagnostics } from '../src/diagnostics.js';

function sink(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => lines.push(line) };
}

describe('installDiagnostics', () => {
  afterEach(() => diag.disable());

  it('writes a component logger’s warnings and errors as one line each, at the default level', () => {
    const output = sink();
    assert.equal(installDiagnostics('agent-otel collector', {}, output), 'info');
    const logger = diag.createComponentLogger({ namespace: '@agent-otel/collector' });
    logger.warn('otlp refused 3 spans for good: HTTP 400');
    logger.error('request failed:', new Error('socket hang up'));
    logger.info('started');
    logger.debug('not at info');
    assert.deepEqual(output.lines, [
      'agent-otel collector: warn: @agent-otel/collector: otlp refused 3 spans for good: HTTP 400\n',
      'agent-otel collector: error: @agent-otel/collector: request failed: socket hang up\n',
      'agent-otel collector: info: @agent-otel/collector: started\n',
    ]);
  });

  it('takes OTEL_LOG_LEVEL (any case): error keeps errors only, none nothing', () => {
    const output = sink();
    assert.equal(installDiagnostics('c', { OTEL_LOG_LEVEL: ' ERROR ' }, output), 'error');
    diag.warn('a warning');
    diag.error('an error');
    assert.deepEqual(output.lines, ['c: error: an error\n']);
    const quiet = sink();
    installDiagnostics('c', { OTEL_LOG_LEVEL: 'none' }, quiet);
    diag.error('an error');
    assert.deepEqual(quiet.lines, []);
  });

  it('says so when OTEL_LOG_LEVEL is not a level, and uses the default', () => {
    const output = sink();
    assert.equal(installDiagnostics('c', { OTEL_LOG_LEVEL: 'loud' }, output), 'info');
    assert.match(
      output.lines[0] ?? '',
      /^c: warn: OTEL_LOG_LEVEL 'loud' is not one of none, error, warn/,
    );
    diag.info('kept');
    assert.equal(output.lines[1], 'c: info: kept\n');
  });
});
