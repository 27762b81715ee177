// Runs the REAL Claude Code binary (`@anthropic-ai/claude-code`, a dev dependency) in print
// mode against the scripted Anthropic stand-in, in a throw-away HOME and workspace. The child
// gets a minimal environment (never this process's), so no real key, OTEL_* variable or user
// setting leaks in, and Claude Code does not try to reach other hosts.
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Absolute path of the Claude Code binary installed by `npm ci`. */
export function claudeBinary(): string {
  const packageJson = require.resolve('@anthropic-ai/claude-code/package.json');
  return join(dirname(packageJson), 'bin', 'claude.exe');
}

/** A temporary HOME with a workspace inside it, removed by `cleanup()`. */
export interface Sandbox {
  /** The temporary root (holds `home/` and anything else a test adds). */
  readonly root: string;
  /** HOME for Claude Code. */
  readonly home: string;
  /** The project directory (`HOME/acme-app`), Claude Code's cwd. */
  readonly workspace: string;
  /** Writes files relative to the workspace (parents created). */
  writeFiles(files: Readonly<Record<string, string>>, base?: string): void;
  cleanup(): void;
}

/** Creates a sandbox: `<tmp>/home/acme-app`, like the recorded fixture's `/home/dev/acme-app`. */
export function createSandbox(files: Readonly<Record<string, string>> = {}): Sandbox {
  // realpath: Claude Code reports resolved paths, so tests compare against resolved ones.
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'agent-otel-e2e-')));
  const home = join(root, 'home');
  const workspace = join(home, 'acme-app');
  mkdirSync(workspace, { recursive: true });
  const writeFiles = (entries: Readonly<Record<string, string>>, base = workspace) => {
    for (const [relative, content] of Object.entries(entries)) {
      const path = join(base, relative);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  };
  writeFiles(files);
  return {
    root,
    home,
    workspace,
    writeFiles,
    // The plugin's hook server (a background process whose socket is in the sandbox's state
    // directory) may still be writing there as the sandbox goes: retried, as rm -rf would need.
    cleanup: () => rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
  };
}

/** How to run one `claude -p` session. */
export interface ClaudeRunOptions {
  readonly prompt: string;
  readonly sandbox: Sandbox;
  /** The stand-in's base URL (`ANTHROPIC_BASE_URL`). */
  readonly baseUrl: string;
  /** Written to `<root>/settings.json` and passed with `--settings`. */
  readonly settings?: Record<string, unknown>;
  /** MCP servers, written to `<root>/mcp.json` and passed with `--mcp-config`. */
  readonly mcpServers?: Record<string, unknown>;
  /** Plugin folders (`--plugin-dir`). */
  readonly pluginDirs?: readonly string[];
  /** `--allowedTools` entries (root cannot use --dangerously-skip-permissions). */
  readonly allowedTools?: readonly string[];
  /** Extra environment variables on top of the minimal one. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the process after this long. Default 90 s. */
  readonly timeoutMs?: number;
}

export interface ClaudeRunResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The `--output-format json` result object, when stdout held one. */
  readonly result: { session_id?: string; is_error?: boolean; result?: string } | undefined;
}

/** Every descendant of `pid`, from /proc (Linux); empty where /proc is not readable. */
export function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The minimal environment Claude Code runs with in tests. */
export function claudeEnvironment(
  sandbox: Sandbox,
  baseUrl: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: sandbox.home,
    USER: 'dev',
    LANG: 'C.UTF-8',
    TMPDIR: sandbox.root,
    SHELL: '/bin/bash',
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: 'test',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...extra,
  };
}

/** Runs `claude -p PROMPT --output-format json` in the sandbox's workspace. */
export async function runClaude(options: ClaudeRunOptions): Promise<ClaudeRunResult> {
  const { sandbox } = options;
  const args = ['-p', options.prompt, '--output-format', 'json'];
  if (options.settings !== undefined) {
    const path = join(sandbox.root, 'settings.json');
    writeFileSync(path, JSON.stringify(options.settings, null, 2));
    args.push('--settings', path);
  }
  if (options.mcpServers !== undefined) {
    const path = join(sandbox.root, 'mcp.json');
    writeFileSync(path, JSON.stringify({ mcpServers: options.mcpServers }, null, 2));
    args.push('--mcp-config', path, '--strict-mcp-config');
  }
  for (const dir of options.pluginDirs ?? []) args.push('--plugin-dir', dir);
  if (options.allowedTools !== undefined && options.allowedTools.length > 0) {
    args.push('--allowedTools', options.allowedTools.join(','));
  }
  const timeoutMs = options.timeoutMs ?? 90_000;
  const started = Date.now();
  const child = spawn(claudeBinary(), args, {
    cwd: sandbox.workspace,
    env: claudeEnvironment(sandbox, options.baseUrl, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // Claude Code starts its shells in their own sessions (setsid), so killing its process
    // group is not enough: kill every descendant, found before they are orphaned.
    const descendants = child.pid === undefined ? [] : descendantPids(child.pid);
    child.kill('SIGKILL');
    for (const pid of descendants) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, sig) => resolve([code, sig]));
    },
  ).finally(() => clearTimeout(timer));
  let result: ClaudeRunResult['result'];
  const lastLine = stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed: unknown = JSON.parse(lastLine);
    if (typeof parsed === 'object' && parsed !== null) result = parsed as ClaudeRunResult['result'];
  } catch {
    result = undefined;
  }
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    timedOut,
    durationMs: Date.now() - started,
    result,
  };
}
