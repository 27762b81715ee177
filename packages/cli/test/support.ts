/**
 * What the CLI's process-level tests share: isolated state "boxes" (a temporary HOME, config
 * home and state directory, removed after the test file) and running a command to completion.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export interface Box {
  readonly dir: string;
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
}

const boxes: string[] = [];
after(() => {
  // Removing a state directory also stops a hook server listening in it (its socket is gone).
  for (const dir of boxes) rmSync(dir, { recursive: true, force: true });
});

/** A temporary HOME, config home and state directory, with `env` pointing at them. */
export function makeBox(prefix: string, env: NodeJS.ProcessEnv): Box {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  boxes.push(dir);
  mkdirSync(join(dir, 'home'));
  const stateDir = join(dir, 'state');
  return {
    dir,
    stateDir,
    env: {
      PATH: process.env.PATH,
      HOME: join(dir, 'home'),
      XDG_CONFIG_HOME: join(dir, 'home', '.config'),
      AGENT_OTEL_STATE_DIR: stateDir,
      ...env,
    },
  };
}

export interface ProcessResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command with `input` on stdin and collects its output, without blocking this
 * process's event loop (loopback receivers in the test must answer meanwhile).
 */
export function runProcess(
  command: string,
  args: readonly string[],
  input: string | Buffer,
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/**
 * A policy whose one rule (`path-size`) fails to evaluate on every Read (a path, a string,
 * compared with a number): CEL finds that only when it runs, so the file loads.
 */
export const FAILING_RULE_POLICY = [
  'version: 1',
  'rulesets:',
  '  - name: demo',
  "    version: '1.0.0'",
  '    rules:',
  '      - id: path-size',
  '        name: Path size',
  '        description: compares a path (a string) with a number',
  '        reason: demo',
  '        severity: low',
  '        category: other',
  '        action: tag',
  '        when: tool.category == "read" && tool.attributes["file.path"] > 3',
  '',
].join('\n');
