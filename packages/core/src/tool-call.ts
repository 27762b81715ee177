/**
 * What a tool call touches, in the attributes of the tool span (docs/semconv.md "tool"). The
 * hook computes it from a hook payload, the collector from Claude Code's native
 * `claude_code.tool` spans: one function, so a policy rule sees the same view from both.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AGENT_TOOL_CATEGORY_VALUE_AGENT,
  AGENT_TOOL_CATEGORY_VALUE_EXECUTE,
  AGENT_TOOL_CATEGORY_VALUE_MCP,
  AGENT_TOOL_CATEGORY_VALUE_NETWORK,
  AGENT_TOOL_CATEGORY_VALUE_OTHER,
  AGENT_TOOL_CATEGORY_VALUE_READ,
  AGENT_TOOL_CATEGORY_VALUE_WRITE,
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_MCP_TOOL_NAME,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_HOSTS,
  ATTR_AGENT_TOOL_PATHS,
  ATTR_AGENT_TOOL_SANDBOX_DISABLED,
  ATTR_AGENT_TOOL_TARGET,
  ATTR_FILE_PATH,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  GEN_AI_TOOL_TYPE_VALUE_EXTENSION,
  GEN_AI_TOOL_TYPE_VALUE_FUNCTION,
} from '@agent-otel/semconv';
import type { ToolCategory } from '@agent-otel/semconv';
import type { SpanAttributes } from './decision.js';
import { truncateContent } from './content.js';
import { parseShellCommand, unwrapCommand } from './shell.js';
import type { SimpleCommand } from './shell.js';

/** Everything a tool call names, and the tool-span attributes built from it. */
export interface ToolCallDescription {
  readonly toolName: string;
  readonly category: ToolCategory;
  /** `function` for the agent's built-in tools, `extension` for MCP tools. */
  readonly toolType: string;
  /** The normalized thing the call acts on: path, command line, URL, `server/tool`, subagent type. */
  readonly target?: string;
  /** The one file the call acts on, absolute. */
  readonly filePath?: string;
  /** The one URL the call fetches, credentials and secret query values redacted. */
  readonly url?: string;
  /** The one host the call reaches, and its port when named. */
  readonly serverAddress?: string;
  readonly serverPort?: number;
  /** Every host the call names. */
  readonly hosts: readonly string[];
  /** Every path the call names, absolute. */
  readonly paths: readonly string[];
  readonly mcpServerName?: string;
  readonly mcpToolName?: string;
  /** The subagent type an `Agent`/`Task` call starts. */
  readonly subagentType?: string;
  /** For shell tools: every simple command run, as its unwrapped words (`sudo` etc. removed). */
  readonly commands: readonly (readonly string[])[];
  /** The tool-span attributes of the convention (no ids, no content). */
  readonly attributes: SpanAttributes;
}

/** Options of {@link describeToolCall}. */
export interface DescribeToolCallOptions {
  /**
   * The MCP server that provides the tool, when the payload says so (Claude Code `mcp_server`).
   * Default: parsed from `mcp__server__tool`. `''`: an MCP tool whose server is not named (an
   * MCP client's span over stdio names none): the call is `mcp`, its target the tool's name, and
   * no `agent.mcp.server.name` is set.
   */
  readonly mcpServer?: string;
  /** Applied to the command line in `agent.tool.target` (the secret redactor). Default: identity. */
  readonly redact?: (value: string) => string;
  /**
   * The home directory `~` and `$HOME` mean. Default: this process's (the hook runs as the
   * agent's user). null: not known — the collector describing another machine's call — and
   * `~/…` stays `~/…` rather than naming the collector's own home.
   */
  readonly home?: string | null;
}

/**
 * The home directory a workspace is in (`/home/dev/app` → `/home/dev`, `/Users/dev/…`,
 * `/root/…`), else null. For judging a call made on another machine (the collector's case),
 * where `~` is that user's home, not this process's.
 */
export function homeOfWorkspace(cwd: string): string | null {
  return /^(\/home\/[^/]+|\/Users\/[^/]+|\/root)(?:\/|$)/u.exec(cwd)?.[1] ?? null;
}

const READ_TOOLS = new Set(['Read', 'Glob', 'Grep', 'LS', 'NotebookRead', 'BashOutput']);
const WRITE_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const EXECUTE_TOOLS = new Set(['Bash', 'PowerShell', 'KillShell', 'KillBash', 'Monitor']);
const NETWORK_TOOLS = new Set(['WebFetch', 'WebSearch']);
const AGENT_TOOLS = new Set(['Agent', 'Task']);

/** What a tool of another coding agent does, as far as its description goes. */
type OtherAgentTool =
  'shell' | 'read' | 'write' | 'search' | 'editor' | 'patch' | 'fetch' | 'web-search' | 'mcp';

/**
 * Other coding agents' tools that do what Claude Code's do — Gemini CLI, Codex CLI, Cline and
 * Roo Code, Cursor, GitHub Copilot's agent mode, Windsurf, OpenHands, Goose, Anthropic's bash
 * and text-editor tools, the reference MCP filesystem and fetch servers' tools under their own
 * names — by name without case, `_`, `-` or spaces (`run_shell_command` → `runshellcommand`,
 * see `toolKey`): their GenAI `execute_tool` spans get the view Claude Code's calls get (the
 * command parsed, the file read or written, the URL fetched), so the same rules apply. Claude
 * Code's own names are matched first, exactly; a name in neither list is `other`, described by
 * the URLs and path-like fields of its input.
 */
const OTHER_AGENT_TOOL_NAMES: Readonly<Record<OtherAgentTool, readonly string[]>> = {
  shell: [
    'bash',
    'shell',
    'localshell',
    'execcommand',
    'runshellcommand',
    'executecommand',
    'runterminalcmd',
    'runinterminal',
    'executebash',
    'developershell',
    'runcommand',
    'shellcommand',
    'terminal',
  ],
  read: ['read', 'readfile', 'readmanyfiles', 'readtextfile', 'readmultiplefiles', 'viewfile'],
  write: [
    'write',
    'edit',
    'writefile',
    'writetofile',
    'createfile',
    'editfile',
    'deletefile',
    'replace',
    'replaceinfile',
    'replacestringinfile',
    'inserteditintofile',
    'insertcontent',
    'searchandreplace',
    'applydiff',
    'multiedit',
  ],
  search: [
    'glob',
    'grep',
    'ls',
    'list',
    'searchfilecontent',
    'listdirectory',
    'searchfiles',
    'listfiles',
    'grepsearch',
    'filesearch',
    'listdir',
    'codebasesearch',
    'directorytree',
    'findbyname',
  ],
  editor: ['strreplaceeditor', 'strreplacebasededittool', 'texteditor', 'developertexteditor'],
  patch: ['applypatch', 'patch'],
  fetch: ['webfetch', 'fetch', 'fetchwebpage', 'browseraction', 'urlfetch'],
  'web-search': ['websearch', 'googlewebsearch'],
  mcp: ['usemcptool', 'accessmcpresource'],
};
/** `OTHER_AGENT_TOOL_NAMES` by name. */
const OTHER_AGENT_TOOLS: ReadonlyMap<string, OtherAgentTool> = new Map(
  (Object.entries(OTHER_AGENT_TOOL_NAMES) as [OtherAgentTool, readonly string[]][]).flatMap(
    ([kind, names]) => names.map((name) => [name, kind] as const),
  ),
);

/** A tool name as `OTHER_AGENT_TOOLS` keys it. */
function toolKey(toolName: string): string {
  return toolName.toLowerCase().replace(/[\s_-]+/g, '');
}

/**
 * Tools that write a whole file from the content given (Claude Code's `Write`, Gemini CLI's
 * `write_file`, Cline's `write_to_file`, Copilot's `create_file`), as opposed to editing a part
 * of one: the intent classifier reads such a write as new code rather than a change.
 */
const WHOLE_FILE_WRITE_TOOLS: ReadonlySet<string> = new Set([
  'write',
  'writefile',
  'writetofile',
  'createfile',
]);

/** Whether a tool (by its name, under any agent's spelling) writes a whole file. */
export function writesWholeFile(toolName: string): boolean {
  return WHOLE_FILE_WRITE_TOOLS.has(toolKey(toolName));
}

/** Per kind of tool, the input field its one argument is: where a bare-text input goes. */
const TEXT_INPUT_FIELDS: Readonly<Record<OtherAgentTool, string>> = {
  shell: 'command',
  read: 'path',
  write: 'path',
  search: 'path',
  editor: 'path',
  patch: 'input',
  fetch: 'url',
  'web-search': 'query',
  mcp: 'arguments',
};

/** Claude Code's tools by the field their one argument would be. */
const CLAUDE_CODE_TEXT_INPUT_FIELDS: ReadonlyMap<string, string> = new Map([
  ['Bash', 'command'],
  ['Read', 'file_path'],
  ['Write', 'file_path'],
  ['Edit', 'file_path'],
  ['WebFetch', 'url'],
  ['WebSearch', 'query'],
]);

/**
 * A tool input given as bare text, as an input object: some instrumentations record a tool of
 * one argument by that argument alone (LangChain's through OpenInference: `input.value` is
 * `cat .env`, `text/plain`). The text becomes the field of the tool's kind (`command` of a shell
 * tool, `path` of a file tool, `url` of a fetch tool). For a tool of no known kind it is `path`
 * when it is one path (one word: `/…`, `~/…`, `./…`, `../…`, `.env`), else `input`, which
 * `describeToolCall` scans for URLs as it scans any field.
 */
export function toolInputOfText(toolName: string, text: string): Record<string, string> {
  const kind = OTHER_AGENT_TOOLS.get(toolKey(toolName));
  const field =
    CLAUDE_CODE_TEXT_INPUT_FIELDS.get(toolName) ??
    (kind !== undefined ? TEXT_INPUT_FIELDS[kind] : ONE_PATH.test(text) ? 'path' : 'input');
  return { [field]: text };
}

/** One path and nothing else: absolute, home, relative with `./` or `../`, or a dot file. */
const ONE_PATH = /^(?:~?\/|\.{1,2}\/|\.[^\s/.])[^\s]*$/u;

/** Input fields that name the file a tool reads or writes, in the spellings agents use. */
const FILE_FIELDS = [
  'file_path',
  'path',
  'absolute_path',
  'target_file',
  'filePath',
  'filename',
  'file',
  'notebook_path',
  'TargetFile',
  'AbsolutePath',
];
/** Input fields that list files. */
const FILE_LIST_FIELDS = ['paths', 'file_paths', 'filePaths', 'files'];
/** Input fields that name the directory a search or listing looks in. */
const DIRECTORY_FIELDS = [
  'path',
  'dir_path',
  'directory',
  'dir',
  'target_directory',
  'relative_workspace_path',
  'DirectoryPath',
  'SearchPath',
];
/** Input fields that hold a shell command (a command line, or its words). */
const COMMAND_FIELDS = ['command', 'cmd', 'commandLine', 'CommandLine', 'command_line', 'script'];
/** Input fields that name the directory a shell command runs in. */
const WORKDIR_FIELDS = ['workdir', 'cwd', 'directory', 'dir', 'working_directory', 'Cwd'];
/** Shells whose `-c SCRIPT` runs a command line (`["bash", "-lc", "…"]`, as Codex sends). */
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'ash']);

/** URL schemes whose authority is a network host (not `file:`, not object-store buckets). */
const NETWORK_SCHEMES = new Set([
  'http',
  'https',
  'ws',
  'wss',
  'ftp',
  'ftps',
  'sftp',
  'ssh',
  'git',
  'rsync',
  'telnet',
  'postgres',
  'postgresql',
  'mysql',
  'mongodb',
  'mongodb+srv',
  'redis',
  'rediss',
  'amqp',
  'amqps',
  'ldap',
  'ldaps',
  'smtp',
  'imap',
]);

/** Query parameters whose value is a credential: redacted in `url.full`. */
const SECRET_QUERY_KEY =
  /(token|secret|password|passwd|pwd|key|signature|sig|auth|credential|session)/i;

/** Commands whose plain (non-option) arguments are files or directories. */
const FILE_COMMANDS = new Set([
  'cat',
  'tac',
  'head',
  'tail',
  'less',
  'more',
  'nl',
  'wc',
  'stat',
  'file',
  'touch',
  'rm',
  'rmdir',
  'mkdir',
  'cp',
  'mv',
  'ln',
  'ls',
  'll',
  'tree',
  'du',
  'df',
  'shred',
  'truncate',
  'tee',
  'vi',
  'vim',
  'nvim',
  'nano',
  'emacs',
  'code',
  'open',
  'xdg-open',
  'source',
  '.',
  'diff',
  'cmp',
  'base64',
  'xxd',
  'od',
  'hexdump',
  'strings',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'shasum',
  'zip',
  'unzip',
  'gzip',
  'gunzip',
  'bzip2',
  'xz',
  'zcat',
  'tar',
  'readlink',
  'realpath',
  'basename',
  'dirname',
  'cd',
  'pushd',
  'install',
  'sort',
  'uniq',
  'cut',
  'paste',
  'jq',
  'yq',
  'bat',
  'scp',
  'rsync',
  'dd',
  'srm',
  'unlink',
  'python',
  'python3',
  'node',
  'ruby',
  'perl',
  'php',
  'bash',
  'sh',
  'zsh',
  'deno',
  'bun',
]);
/** Commands whose first plain argument is not a path (a pattern, a script, a mode, an owner). */
const FIRST_ARG_NOT_PATH = new Set([
  'grep',
  'egrep',
  'fgrep',
  'rg',
  'ag',
  'ack',
  'sed',
  'awk',
  'gawk',
  'chmod',
  'chown',
  'chgrp',
  'setfacl',
]);
/** Commands whose first plain argument is a host. */
const HOST_COMMANDS = new Set([
  'ssh',
  'mosh',
  'sftp',
  'telnet',
  'nc',
  'ncat',
  'netcat',
  'ping',
  'ping6',
  'dig',
  'nslookup',
  'host',
  'whois',
  'traceroute',
  'tracepath',
  'mtr',
  'ftp',
  'socat',
]);
/** Commands that fetch their plain arguments as URLs, scheme optional. */
const URL_COMMANDS = new Set(['curl', 'wget', 'http', 'https', 'xh', 'httpie', 'aria2c', 'lynx']);
/** Options (of any command) that take the next word as a value. */
const VALUE_OPTIONS: Record<string, ReadonlySet<string>> = {
  curl: new Set([
    '-X',
    '--request',
    '-H',
    '--header',
    '-d',
    '--data',
    '--data-binary',
    '--data-raw',
    '--data-urlencode',
    '-F',
    '--form',
    '-o',
    '--output',
    '-u',
    '--user',
    '-A',
    '--user-agent',
    '-e',
    '--referer',
    '-T',
    '--upload-file',
    '-b',
    '--cookie',
    '-c',
    '--cookie-jar',
    '-x',
    '--proxy',
    '-m',
    '--max-time',
    '--connect-timeout',
    '-w',
    '--write-out',
    '-K',
    '--config',
    '--cacert',
    '--cert',
    '--key',
    '-E',
    '--resolve',
    '--retry',
    '--url',
  ]),
  wget: new Set([
    '-O',
    '--output-document',
    '-o',
    '--output-file',
    '-P',
    '--directory-prefix',
    '--header',
    '--post-data',
    '--post-file',
    '-U',
    '--user-agent',
    '-t',
    '--tries',
    '-T',
    '--timeout',
    '-i',
    '--input-file',
    '--body-file',
    '--method',
  ]),
  ssh: new Set([
    '-p',
    '-i',
    '-l',
    '-o',
    '-F',
    '-J',
    '-L',
    '-R',
    '-D',
    '-W',
    '-b',
    '-c',
    '-E',
    '-e',
    '-m',
    '-O',
    '-Q',
    '-S',
    '-w',
    '-B',
    '-I',
  ]),
  scp: new Set(['-P', '-i', '-o', '-F', '-J', '-l', '-c', '-S']),
  git: new Set([
    '-C',
    '-c',
    '--git-dir',
    '--work-tree',
    '-m',
    '--message',
    '-b',
    '--branch',
    '--depth',
    '-o',
    '--origin',
    '--upstream',
    '--format',
    '-u',
    '--author',
  ]),
  grep: new Set(['-e', '-f', '-m', '-A', '-B', '-C', '--include', '--exclude', '--regexp']),
  rg: new Set(['-e', '-g', '--glob', '-t', '--type', '-m', '-A', '-B', '-C', '-f']),
  tar: new Set(['-C', '--directory', '-T', '--files-from', '-X', '--exclude-from']),
  nc: new Set(['-p', '-s', '-w', '-i', '-q', '-x']),
  find: new Set([]),
  psql: new Set(['-h', '--host', '-p', '--port', '-U', '--username', '-d', '--dbname', '-c', '-f']),
  mysql: new Set(['-h', '--host', '-P', '--port', '-u', '--user', '-D', '--database', '-e']),
  'redis-cli': new Set(['-h', '-p', '-a', '-n', '-u']),
  docker: new Set([
    '-H',
    '--host',
    '-v',
    '--volume',
    '-e',
    '--env',
    '-p',
    '--publish',
    '--name',
    '-w',
  ]),
  kubectl: new Set(['--context', '-n', '--namespace', '--server', '-s', '-f', '--filename', '-o']),
  aws: new Set(['--profile', '--region', '--endpoint-url', '--output']),
  gh: new Set(['-R', '--repo', '-b', '--body', '-t', '--title', '--hostname']),
  sed: new Set(['-e', '--expression', '-f', '--file']),
  awk: new Set(['-f', '-v', '-F']),
};
/** Interpreters: `-c`/`-e` take a script (read as commands of its own for shells), not a path. */
for (const interpreter of [
  'bash',
  'sh',
  'zsh',
  'dash',
  'ksh',
  'python',
  'python3',
  'node',
  'ruby',
  'perl',
  'php',
  'deno',
  'bun',
]) {
  VALUE_OPTIONS[interpreter] = new Set([
    '-c',
    '-e',
    '--eval',
    '-p',
    '--print',
    '-m',
    '-r',
    '--require',
    '-O',
    '-o',
  ]);
}
/** Options whose value is a host (`psql -h db.internal`). */
const HOST_OPTIONS: Record<string, ReadonlySet<string>> = {
  psql: new Set(['-h', '--host']),
  mysql: new Set(['-h', '--host']),
  'redis-cli': new Set(['-h']),
  mongo: new Set(['--host']),
  mongosh: new Set(['--host']),
  docker: new Set(['-H', '--host']),
  gh: new Set(['--hostname']),
  ssh: new Set(['-J']),
  kubectl: new Set(['--server', '-s']),
  aws: new Set(['--endpoint-url']),
};
/** Options whose value is a file (`curl -T file`, `tar -f x.tar`, `git -C dir`). */
const PATH_OPTIONS: Record<string, ReadonlySet<string>> = {
  curl: new Set([
    '-o',
    '--output',
    '-T',
    '--upload-file',
    '-K',
    '--config',
    '--cacert',
    '--cert',
    '--key',
    '-E',
    '-c',
    '--cookie-jar',
  ]),
  wget: new Set([
    '-O',
    '--output-document',
    '-o',
    '--output-file',
    '-P',
    '--directory-prefix',
    '--post-file',
    '-i',
    '--input-file',
    '--body-file',
  ]),
  ssh: new Set(['-i', '-F']),
  scp: new Set(['-i', '-F']),
  git: new Set(['-C', '--git-dir', '--work-tree']),
  grep: new Set(['-f']),
  rg: new Set(['-f']),
  tar: new Set(['-f', '--file', '-C', '--directory', '-T', '--files-from']),
  psql: new Set(['-f']),
  kubectl: new Set(['-f', '--filename']),
};

const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function isHostname(value: string): boolean {
  return (
    (HOSTNAME.test(value) &&
      !/\.(js|ts|json|md|txt|py|sh|env|yaml|yml|toml|lock|log|csv|html|css|tsx|jsx|mjs|cjs|c|h|go|rs|java|rb|php|zip|tar|gz|tgz|pem|key|crt)$/i.test(
        value,
      )) ||
    IPV4.test(value)
  );
}

/** A URL with its password, and the values of secret-looking query parameters, redacted. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = 'REDACTED';
    // `searchParams` only when there is a query: it is made on first reading, and the first
    // such reading in a process deoptimized Node's compiled `URL` code.
    if (url.search) {
      for (const key of [...url.searchParams.keys()]) {
        if (SECRET_QUERY_KEY.test(key)) url.searchParams.set(key, 'REDACTED');
      }
    }
    return url.toString();
  } catch {
    return raw;
  }
}

interface ParsedUrl {
  readonly full: string;
  readonly host: string;
  readonly port?: number;
}

function parseNetworkUrl(raw: string, defaultScheme?: string): ParsedUrl | undefined {
  let candidate = raw;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(candidate)) {
    if (!defaultScheme) return undefined;
    const hostPart = candidate.split(/[/?#]/, 1)[0] ?? '';
    const host = hostPart.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
    if (!isHostname(host) && host !== 'localhost') return undefined;
    candidate = `${defaultScheme}://${candidate}`;
  }
  try {
    const url = new URL(candidate);
    const scheme = url.protocol.slice(0, -1).toLowerCase();
    if (!NETWORK_SCHEMES.has(scheme) || !url.hostname) return undefined;
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return {
      full: redactUrl(url.toString()),
      host,
      ...(url.port ? { port: Number(url.port) } : {}),
    };
  } catch {
    return undefined;
  }
}

/** `git@github.com:org/repo.git`, `user@host:path`: an scp-style remote. */
function scpHost(word: string): string | undefined {
  const match = /^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)/.exec(word);
  if (!match) return undefined;
  const host = match[1]!;
  if (!word.includes('@') && !isHostname(host)) return undefined;
  return host.toLowerCase();
}

/**
 * Bounds on what is analysed of one command line. A multi-megabyte command (generated code,
 * padding meant to hide a payload) must not stall the hook: the analysis reads the head and the
 * tail — where a trailing payload would sit — and `agent.tool.target` keeps the first
 * `MAX_TARGET_LENGTH` characters with a marker.
 */
const MAX_SHELL_TEXT = 256 * 1024;
const MAX_COMMANDS = 2048;
const MAX_WORDS = 4096;
const MAX_TARGET_LENGTH = 8192;

function headAndTail<T>(items: readonly T[], limit: number): readonly T[] {
  if (items.length <= limit) return items;
  return [...items.slice(0, limit / 2), ...items.slice(-limit / 2)];
}

function truncateTarget(target: string, originalLength = target.length): string {
  return truncateContent(target, MAX_TARGET_LENGTH, originalLength);
}

/**
 * The home directory `~` means in the call `describeToolCall` is describing (its `home`
 * option), for the functions it calls: undefined outside it, and by default (this process's
 * home). Set and restored around the synchronous description, never across an await.
 */
let describingHome: string | null | undefined;

/**
 * A path the way the agent meant it: `~` expanded (with `home`: undefined is this process's
 * home directory, null a home not known, where `~/…` stays as it is), relative to `cwd`,
 * normalized.
 */
export function normalizePath(
  path: string,
  cwd: string,
  home: string | null | undefined = describingHome,
): string {
  let value = path;
  if (value === '~' || value.startsWith('~/')) {
    const base = home === undefined ? homedir() : home;
    if (base === null) return normalize(value);
    value = base + value.slice(1);
  }
  return normalize(isAbsolute(value) ? value : resolve(cwd || '/', value));
}

function looksLikePath(word: string): boolean {
  if (word === '' || word === '-' || word.includes('://') || word.startsWith('-')) return false;
  if (/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/.test(word)) return false;
  if (
    word.startsWith('/') ||
    word.startsWith('./') ||
    word.startsWith('../') ||
    word.startsWith('~')
  )
    return true;
  if (word === '.' || word === '..') return true;
  if (word.includes('$') || word.includes('`') || /[\s=]/.test(word)) return false;
  if (/^[A-Za-z0-9._@+-]+(\/[A-Za-z0-9._@+*-]*)+$/.test(word)) return true;
  // A dotfile or a file with an extension: `.env`, `id_rsa.pub`, `package.json`.
  return (
    /^\.[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(word) ||
    /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.[A-Za-z][A-Za-z0-9]{0,7}$/.test(word)
  );
}

/** The `url` entries of `[remote "name"]` sections of the repository's git config. */
function gitRemoteUrl(cwd: string, remote: string): string | undefined {
  let directory = cwd;
  for (let depth = 0; depth < 32 && directory; depth += 1) {
    try {
      const config = readFileSync(join(directory, '.git', 'config'), 'utf8');
      const section = new RegExp(
        `\\[remote "${remote.replace(/[^A-Za-z0-9._-]/g, '')}"\\]([^[]*)`,
      ).exec(config);
      const url = section ? /^\s*url\s*=\s*(.+)$/m.exec(section[1]!) : null;
      return url?.[1]?.trim();
    } catch {
      const parent = resolve(directory, '..');
      if (parent === directory) return undefined;
      directory = parent;
    }
  }
  return undefined;
}

interface Findings {
  readonly hosts: string[];
  readonly urls: ParsedUrl[];
  readonly paths: string[];
}

function addHost(findings: Findings, host: string | undefined): void {
  if (host && !findings.hosts.includes(host)) findings.hosts.push(host);
}

function addPath(findings: Findings, path: string, cwd: string): void {
  const normalized = normalizePath(path, cwd);
  if (normalized === '/dev/null' || /^\/dev\/(stdout|stderr|stdin|fd\/)/.test(normalized)) return;
  if (!findings.paths.includes(normalized)) findings.paths.push(normalized);
}

function addUrl(findings: Findings, url: ParsedUrl | undefined): void {
  if (!url) return;
  addHost(findings, url.host);
  if (!findings.urls.some((known) => known.full === url.full)) findings.urls.push(url);
}

function examineWord(findings: Findings, word: string, cwd: string): void {
  // `--data-binary @file`, `-F f=@file`: curl reads (and sends) the file.
  const at = /(?:^|=)@([^;]+)$/.exec(word);
  if (at && at[1] !== '-') addPath(findings, at[1]!, cwd);
  for (const match of word.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s'"<>`]+/gi))
    addUrl(findings, parseNetworkUrl(match[0]));
  const value =
    word.startsWith('-') && word.includes('=') ? word.slice(word.indexOf('=') + 1) : word;
  const scp = scpHost(value);
  if (scp) addHost(findings, scp);
  // `@file` was read above as the file; the word itself (`@/w/.env`) is not another path.
  else if (!at && looksLikePath(value)) addPath(findings, value, cwd);
}

function examineCommand(findings: Findings, simple: SimpleCommand, cwd: string): readonly string[] {
  for (const redirection of simple.redirections) {
    if (
      /&$/.test(redirection.operator) ||
      /^<<[-<]?$/.test(redirection.operator.replace(/^\d+/, ''))
    )
      continue;
    addPath(findings, redirection.target, cwd);
  }
  for (const assignment of simple.assignments)
    examineWord(findings, assignment.slice(assignment.indexOf('=') + 1), cwd);
  const words = headAndTail(unwrapCommand(simple.words), MAX_WORDS);
  const program = words[0];
  if (program === undefined) return words;
  const name = program.split('/').pop() ?? program;
  if (program.includes('/')) addPath(findings, program, cwd);
  const valueOptions = VALUE_OPTIONS[name] ?? new Set<string>();
  const hostOptions = HOST_OPTIONS[name] ?? new Set<string>();
  const pathOptions = PATH_OPTIONS[name] ?? new Set<string>();
  const plain: string[] = [];
  let patternGiven = false;
  for (let index = 1; index < words.length; index += 1) {
    const word = words[index]!;
    if (word === '--') {
      plain.push(...words.slice(index + 1));
      break;
    }
    const eq = word.indexOf('=');
    const option = word.startsWith('--') && eq > 0 ? word.slice(0, eq) : word;
    const inlineValue = word.startsWith('--') && eq > 0 ? word.slice(eq + 1) : undefined;
    if (
      option.startsWith('-') &&
      (valueOptions.has(option) || hostOptions.has(option) || pathOptions.has(option))
    ) {
      const value = inlineValue ?? words[index + 1];
      if (inlineValue === undefined) index += 1;
      if (value === undefined) continue;
      if (option === '-e' || option === '--regexp' || option === '-f') patternGiven = true;
      if (hostOptions.has(option)) {
        const url = parseNetworkUrl(value);
        if (url) addUrl(findings, url);
        else addHost(findings, value.replace(/:\d+$/, '').toLowerCase());
      } else if (pathOptions.has(option)) addPath(findings, value, cwd);
      else examineWord(findings, value, cwd);
      continue;
    }
    if (word.startsWith('-') && word !== '-') {
      examineWord(findings, word, cwd);
      continue;
    }
    plain.push(word);
  }

  if (name === 'find') {
    for (const word of plain) {
      if (/^[-!(]/.test(word)) break;
      addPath(findings, word, cwd);
    }
    for (const word of plain) examineWord(findings, word, cwd);
    return words;
  }
  let args = plain;
  if (FIRST_ARG_NOT_PATH.has(name) && !patternGiven) args = plain.slice(1);
  if (name === 'git') {
    const [subcommand, ...rest] = plain;
    if (
      subcommand &&
      ['push', 'pull', 'fetch', 'clone', 'ls-remote', 'remote'].includes(subcommand)
    ) {
      const remoteArgs = subcommand === 'remote' ? rest.slice(2, 3) : rest.slice(0, 1);
      const remote = remoteArgs[0] ?? (subcommand === 'clone' ? undefined : 'origin');
      if (remote && !remote.includes('://') && !scpHost(remote) && !looksLikePath(remote)) {
        const configured = gitRemoteUrl(cwd, remote);
        if (configured) {
          const url = parseNetworkUrl(configured);
          if (url) addUrl(findings, url);
          else addHost(findings, scpHost(configured));
        }
      }
    }
    for (const word of rest) examineWord(findings, word, cwd);
    return words;
  }
  for (const [position, word] of args.entries()) {
    if (URL_COMMANDS.has(name)) {
      const url = parseNetworkUrl(word, 'http');
      if (url) {
        addUrl(findings, url);
        continue;
      }
    }
    if (HOST_COMMANDS.has(name) && position === 0) {
      const host = word
        .replace(/^[^@]*@/, '')
        .replace(/:.*$/, '')
        .toLowerCase();
      if (isHostname(host) || host === 'localhost' || /^[a-z0-9-]+$/i.test(host)) {
        addHost(findings, host);
        continue;
      }
    }
    if (
      (FILE_COMMANDS.has(name) || FIRST_ARG_NOT_PATH.has(name)) &&
      !word.includes('://') &&
      !scpHost(word) &&
      !word.includes('$')
    ) {
      addPath(findings, word, cwd);
      continue;
    }
    examineWord(findings, word, cwd);
  }
  return words;
}

/** One field of a tool input, whatever its type (undefined when the input is no object). */
function fieldOf(input: unknown, key: string): unknown {
  return typeof input === 'object' && input !== null
    ? (input as Record<string, unknown>)[key]
    : undefined;
}

function stringField(input: unknown, ...keys: string[]): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  for (const key of keys) {
    const value = (input as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** `mcp__server__tool` → server and tool; server names may not contain `__`, tool names may. */
export function parseMcpToolName(toolName: string): { server: string; tool: string } | undefined {
  const match = /^mcp__(.+?)__(.+)$/.exec(toolName);
  return match ? { server: match[1]!, tool: match[2]! } : undefined;
}

/** Scans an unknown tool's input for URLs and path-like fields (MCP and newer tools). */
function scanInput(findings: Findings, input: unknown, cwd: string, depth = 0): void {
  if (depth > 4 || typeof input !== 'object' || input === null) return;
  const entries = Array.isArray(input)
    ? input.map((value, index) => [String(index), value] as const)
    : Object.entries(input);
  for (const [key, value] of entries.slice(0, 64)) {
    if (typeof value === 'string') {
      for (const match of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s'"<>`]+/gi))
        addUrl(findings, parseNetworkUrl(match[0]));
      if (
        /(^|_)(path|paths|file|files|filename|file_path|filepath|dir|directory|source|destination|target|cwd|root)$/i.test(
          key,
        ) &&
        !value.includes('://') &&
        value.length < 4096
      ) {
        addPath(findings, value, cwd);
      }
      if (/^(host|hostname|server|domain)$/i.test(key) && isHostname(value))
        addHost(findings, value.toLowerCase());
    } else scanInput(findings, value, cwd, depth + 1);
  }
}

/**
 * A command line a shell tool runs, described into `findings` and `commands`; returns its
 * target (redacted, cut).
 */
function describeCommand(
  findings: Findings,
  commands: (readonly string[])[],
  command: string,
  cwd: string,
  redact: (value: string) => string,
): string {
  // Redact only what is kept (plus a margin longer than any secret), then cut.
  const kept =
    command.length > MAX_TARGET_LENGTH * 2 ? command.slice(0, MAX_TARGET_LENGTH * 2) : command;
  const text =
    command.length > MAX_SHELL_TEXT
      ? `${command.slice(0, MAX_SHELL_TEXT / 2)}\n${command.slice(-MAX_SHELL_TEXT / 2)}`
      : command;
  for (const simple of headAndTail(parseShellCommand(text, 0, describingHome), MAX_COMMANDS)) {
    const words = examineCommand(findings, simple, cwd);
    if (words.length > 0) commands.push(words);
  }
  return truncateTarget(redact(kept), command.length);
}

/** The target of a fetch (its URL, redacted) or of a web search (the query, redacted). */
function fetchTarget(
  findings: Findings,
  rawUrl: string | undefined,
  query: string | undefined,
  redact: (value: string) => string,
): string | undefined {
  const url = rawUrl === undefined ? undefined : parseNetworkUrl(rawUrl, 'https');
  if (url) {
    addUrl(findings, url);
    return url.full;
  }
  if (rawUrl !== undefined) return redactUrl(rawUrl);
  return query === undefined ? undefined : redact(query);
}

/** A word as the shell reads it back: quoted unless it has nothing the shell would change. */
function shellQuoted(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line in a shell tool's input: a string, or its words (`["bash", "-lc", "…"]`,
 * the script then; other words quoted and joined) — in any of `COMMAND_FIELDS`, or in
 * `action` (OpenAI's `local_shell` call).
 */
function commandLineOf(input: unknown, depth = 0): string | undefined {
  for (const key of COMMAND_FIELDS) {
    const value = fieldOf(input, key);
    if (typeof value === 'string' && value !== '') return value;
    if (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((word) => typeof word === 'string')
    ) {
      const words = value as string[];
      const shell = words[0]!.split('/').pop()!;
      if (words.length >= 3 && SHELLS.has(shell) && /^-[a-z]*c$/.test(words[1]!)) return words[2];
      return words.map(shellQuoted).join(' ');
    }
  }
  return depth === 0 ? commandLineOf(fieldOf(input, 'action'), 1) : undefined;
}

/** The files a read or write tool's input names: `FILE_FIELDS`, then `FILE_LIST_FIELDS`. */
function filesOf(input: unknown): string[] {
  const file = stringField(input, ...FILE_FIELDS);
  if (file !== undefined) return [file];
  for (const key of FILE_LIST_FIELDS) {
    const value = fieldOf(input, key);
    if (Array.isArray(value))
      return value
        .filter((item): item is string => typeof item === 'string' && item !== '')
        .slice(0, 256);
  }
  return [];
}

/**
 * The files a patch names: `*** Add/Update/Delete File:` and `*** Move to:` lines (Codex's
 * `apply_patch` format), `+++`/`---` lines of a unified diff.
 */
function patchFiles(patch: string): string[] {
  const text = patch.length > MAX_SHELL_TEXT ? patch.slice(0, MAX_SHELL_TEXT) : patch;
  const files: string[] = [];
  // Each capture runs to the end of its line (or a diff header's tab) with nothing after it to
  // backtrack into: a long line costs its length once, not its square.
  for (const match of text.matchAll(
    /^(?:\*\*\* (?:Add File|Update File|Delete File|Move to):(.*)|(?:\+\+\+|---) (?:[ab]\/)?([^\t\n]*))/gm,
  )) {
    const file = (match[1] ?? match[2] ?? '').trim();
    if (file !== '' && file !== '/dev/null' && !files.includes(file)) files.push(file);
  }
  return files;
}

/** What `describeOtherAgentTool` found: the fields of the description it sets. */
interface OtherToolDescription {
  readonly category: ToolCategory;
  readonly target?: string;
  readonly filePath?: string;
  readonly mcpServerName?: string;
  readonly mcpToolName?: string;
}

/**
 * Describes a call of another agent's tool (`OTHER_AGENT_TOOLS`) as Claude Code's tool of the
 * same kind is described; undefined when its input has nothing that kind reads (the call is
 * then `other`, its input scanned).
 */
function describeOtherAgentTool(
  kind: OtherAgentTool,
  findings: Findings,
  commands: (readonly string[])[],
  input: unknown,
  cwd: string,
  redact: (value: string) => string,
): OtherToolDescription | undefined {
  const onFiles = (category: ToolCategory, files: readonly string[]) => {
    if (files.length === 0) return undefined;
    for (const file of files) addPath(findings, file, cwd);
    const first = normalizePath(files[0]!, cwd);
    return files.length === 1
      ? { category, target: first, filePath: first }
      : { category, target: first };
  };
  switch (kind) {
    case 'shell': {
      const command = commandLineOf(input);
      if (command === undefined) return undefined;
      const directory = stringField(input, ...WORKDIR_FIELDS);
      const runsIn = directory === undefined ? cwd : normalizePath(directory, cwd);
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_EXECUTE,
        target: describeCommand(findings, commands, command, runsIn, redact),
      };
    }
    case 'read':
      return onFiles(AGENT_TOOL_CATEGORY_VALUE_READ, filesOf(input));
    case 'write':
      return onFiles(AGENT_TOOL_CATEGORY_VALUE_WRITE, filesOf(input));
    case 'editor':
      return onFiles(
        stringField(input, 'command') === 'view'
          ? AGENT_TOOL_CATEGORY_VALUE_READ
          : AGENT_TOOL_CATEGORY_VALUE_WRITE,
        filesOf(input),
      );
    case 'patch': {
      const patch =
        typeof input === 'string'
          ? input
          : stringField(input, 'input', 'patch', 'patchText', 'patch_text', 'diff');
      return patch === undefined
        ? undefined
        : onFiles(AGENT_TOOL_CATEGORY_VALUE_WRITE, patchFiles(patch));
    }
    case 'search': {
      // The directory searched (default: the working directory), as for Glob, Grep and LS.
      const directory = normalizePath(stringField(input, ...DIRECTORY_FIELDS) ?? '.', cwd);
      addPath(findings, directory, cwd);
      return { category: AGENT_TOOL_CATEGORY_VALUE_READ, target: directory };
    }
    case 'fetch': {
      const rawUrl = stringField(input, 'url', 'uri', 'href', 'Url');
      if (rawUrl !== undefined)
        return {
          category: AGENT_TOOL_CATEGORY_VALUE_NETWORK,
          target: fetchTarget(findings, rawUrl, undefined, redact),
        };
      // A list of URLs (`urls`), or URLs written in a prompt (Gemini CLI's `web_fetch`); with
      // none, the call is `other` with what the scan found.
      scanInput(findings, input, cwd);
      const first = findings.urls[0];
      return first === undefined
        ? { category: AGENT_TOOL_CATEGORY_VALUE_OTHER }
        : { category: AGENT_TOOL_CATEGORY_VALUE_NETWORK, target: first.full };
    }
    case 'web-search': {
      const query = stringField(input, 'query', 'q', 'search_term', 'searchTerm');
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_NETWORK,
        ...(query !== undefined ? { target: redact(query) } : {}),
      };
    }
    case 'mcp': {
      // Cline's and Roo Code's `use_mcp_tool` / `access_mcp_resource`: the server and tool named.
      const server = stringField(input, 'server_name', 'serverName', 'server');
      if (server === undefined) return undefined;
      const tool = stringField(input, 'tool_name', 'toolName', 'tool');
      const uri = stringField(input, 'uri');
      const args = fieldOf(input, 'arguments');
      let parsed: unknown = args;
      if (typeof args === 'string') {
        try {
          parsed = JSON.parse(args) as unknown;
        } catch {
          parsed = { arguments: args };
        }
      }
      scanInput(findings, parsed, cwd);
      if (uri !== undefined) scanInput(findings, { uri }, cwd);
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_MCP,
        target: `${server}/${tool ?? uri ?? ''}`,
        mcpServerName: server,
        ...(tool !== undefined ? { mcpToolName: tool } : {}),
      };
    }
  }
}

/**
 * Claude Code's tools that act through a service rather than on this machine (2.1.3xx): MCP
 * resources read through Claude Code itself, claude.ai project documents and published
 * artifacts (both upload files of this machine to claude.ai), remote triggers, notifications
 * and feedback, and workflows of subagents. Their inputs name no file, command
 * or URL the way the built-in tools' do, and a field named `path` may not be a local path.
 */
const CLAUDE_CODE_SERVICE_TOOLS = new Set([
  'ListMcpResources',
  'ReadMcpResource',
  'ReadMcpResourceDir',
  'Projects',
  'Artifact',
  'CronCreate',
  'RemoteTrigger',
  'PushNotification',
  'SendFeedback',
  'Workflow',
]);

/**
 * Claude Code's tool that leaves the git worktree the session works in (`EnterWorktree` made or
 * entered it). Its input names no path: the worktree is where the session is.
 */
const EXIT_WORKTREE_TOOL = 'ExitWorktree';

/**
 * An `ExitWorktree` call's target: its action (`keep`, or `remove`: the worktree's directory and
 * branch deleted) and, when set, `discard_changes` — the tool then removes a worktree with
 * uncommitted files or unmerged commits, which it refuses to do without it, so the work is lost.
 */
function exitWorktreeTarget(input: unknown): string | undefined {
  const action = stringField(input, 'action');
  if (action === undefined) return undefined;
  return fieldOf(input, 'discard_changes') === true ? `${action} discard_changes` : action;
}

/**
 * Whether a shell tool's input asks to run the command outside the agent's sandbox: Claude
 * Code's `dangerouslyDisableSandbox: true`; Codex CLI's `sandbox_permissions:
 * "require_escalated"` (`with_escalated_permissions: true` in its earlier versions).
 */
function leavesSandbox(input: unknown): boolean {
  return (
    fieldOf(input, 'dangerouslyDisableSandbox') === true ||
    fieldOf(input, 'sandbox_permissions') === 'require_escalated' ||
    fieldOf(input, 'with_escalated_permissions') === true
  );
}

/** Where Claude Code's claude.ai tools (`Projects`, `Artifact`) send what they upload. */
const CLAUDE_AI = 'claude.ai';

/** The category, target and MCP server of a `CLAUDE_CODE_SERVICE_TOOLS` call. */
function describeServiceTool(
  toolName: string,
  findings: Findings,
  input: unknown,
  cwd: string,
  redact: (value: string) => string,
): { category: ToolCategory; target?: string; mcpServerName?: string } {
  switch (toolName) {
    case 'ListMcpResources':
    case 'ReadMcpResource':
    case 'ReadMcpResourceDir': {
      // The server is named in the input, not in the tool's name (`mcp__server__tool`); a
      // `file://` resource is a file of this machine, read by that server.
      const server = stringField(input, 'server');
      const uri = stringField(input, 'uri');
      if (uri !== undefined) {
        const path = fileUriPath(uri);
        if (path !== undefined) addPath(findings, path, cwd);
        else scanInput(findings, { uri }, cwd);
      }
      const target =
        server === undefined ? uri : uri === undefined ? server : `${server}/${redact(uri)}`;
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_MCP,
        ...(target !== undefined ? { target } : {}),
        ...(server !== undefined ? { mcpServerName: server } : {}),
      };
    }
    case 'Projects': {
      // A claude.ai project: `path` names a document in the project, not a file here, while
      // `local_path` is a file of the workspace the tool reads and uploads itself.
      const method = stringField(input, 'method') ?? 'project';
      const document = stringField(input, 'path');
      const local = stringField(input, 'local_path');
      if (local !== undefined) addPath(findings, local, cwd);
      addHost(findings, CLAUDE_AI);
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_NETWORK,
        target: document !== undefined ? `${method} ${document}` : method,
      };
    }
    case 'Artifact': {
      // A page published on claude.ai (shareable, and into Slack): `publish` (the default)
      // uploads `file_path`, `upload_asset` uploads `file_path` or `file_paths` into the
      // artifact `url` names — files of this machine sent out. The other actions list, read,
      // pin or delete what is there already.
      const action = stringField(input, 'action') ?? 'publish';
      const uploads = action === 'publish' || action === 'upload_asset';
      const file = stringField(input, 'file_path');
      const files = fieldOf(input, 'file_paths');
      if (uploads) {
        if (file !== undefined) addPath(findings, file, cwd);
        if (Array.isArray(files))
          for (const each of files.slice(0, 64))
            if (typeof each === 'string') addPath(findings, each, cwd);
      }
      addHost(findings, CLAUDE_AI);
      const url = stringField(input, 'url');
      const object = uploads ? (file ?? url) : url;
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_NETWORK,
        target: object !== undefined ? `${action} ${redact(object)}` : action,
      };
    }
    case 'CronCreate': {
      // A prompt Claude Code runs again on a cron schedule: a `durable` one is saved
      // (`.claude/scheduled_tasks.json`) and outlives the session, the others die with it.
      scanInput(findings, input, cwd);
      const cron = stringField(input, 'cron');
      const lifetime = fieldOf(input, 'durable') === true ? 'durable' : 'session';
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_OTHER,
        target: cron !== undefined ? `${lifetime} ${cron}` : lifetime,
      };
    }
    case 'RemoteTrigger': {
      // A trigger in Anthropic's cloud that runs an agent on a schedule or a webhook: the
      // action (`create`, `run`, …) and the trigger. The body's prompt may name URLs and files.
      const action = stringField(input, 'action');
      const trigger = stringField(input, 'trigger_id');
      scanInput(findings, fieldOf(input, 'body'), cwd);
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_OTHER,
        ...(action !== undefined
          ? { target: trigger !== undefined ? `${action} ${trigger}` : action }
          : {}),
      };
    }
    case 'PushNotification':
    case 'SendFeedback': {
      // Text that leaves the machine (a phone notification, a report to Anthropic). The text is
      // the model's own writing — content, as a prompt is — so only a report's kind is named.
      const kind = toolName === 'SendFeedback' ? stringField(input, 'type') : undefined;
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_NETWORK,
        ...(kind !== undefined ? { target: kind } : {}),
      };
    }
    default: {
      // Workflow: a script of subagents, by name or from a file the session keeps.
      const script = stringField(input, 'scriptPath');
      if (script !== undefined) addPath(findings, script, cwd);
      const name = stringField(input, 'name');
      return {
        category: AGENT_TOOL_CATEGORY_VALUE_AGENT,
        ...(name !== undefined || script !== undefined ? { target: name ?? script } : {}),
      };
    }
  }
}

/** The local path a `file:` URI names; undefined for any other URI (or a malformed one). */
function fileUriPath(uri: string): string | undefined {
  if (!/^file:/i.test(uri)) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/**
 * Describes one tool call of Claude Code (Bash, Read, Write, Edit, MultiEdit, NotebookEdit,
 * Glob, Grep, LS, WebFetch, WebSearch, Agent/Task, TodoWrite, `mcp__server__tool`, …) or of
 * any agent with similar tools: its category, its target, every host and path it names, and
 * the tool-span attributes. Unknown tools are `other`, with the hosts and paths their input names.
 */
export function describeToolCall(
  toolName: string,
  toolInput: unknown,
  cwd: string,
  options: DescribeToolCallOptions = {},
): ToolCallDescription {
  const outer = describingHome;
  describingHome = options.home;
  try {
    return describeWithin(toolName, toolInput, cwd, options);
  } finally {
    describingHome = outer;
  }
}

/** `describeToolCall`, with `describingHome` set. */
function describeWithin(
  toolName: string,
  toolInput: unknown,
  cwd: string,
  options: DescribeToolCallOptions,
): ToolCallDescription {
  const redact = options.redact ?? ((value: string) => value);
  const findings: Findings = { hosts: [], urls: [], paths: [] };
  const commands: (readonly string[])[] = [];
  let category: ToolCategory = AGENT_TOOL_CATEGORY_VALUE_OTHER;
  let target: string | undefined;
  let sandboxDisabled = false;
  let filePath: string | undefined;
  let subagentType: string | undefined;
  const mcp = parseMcpToolName(toolName);
  let mcpServerName = options.mcpServer ?? mcp?.server;
  let mcpToolName = mcp?.tool ?? (options.mcpServer !== undefined ? toolName : undefined);

  if (mcpServerName !== undefined) {
    category = AGENT_TOOL_CATEGORY_VALUE_MCP;
    target =
      mcpServerName === ''
        ? (mcpToolName ?? toolName)
        : `${mcpServerName}/${mcpToolName ?? toolName}`;
    scanInput(findings, toolInput, cwd);
  } else if (READ_TOOLS.has(toolName) || WRITE_TOOLS.has(toolName)) {
    category = WRITE_TOOLS.has(toolName)
      ? AGENT_TOOL_CATEGORY_VALUE_WRITE
      : AGENT_TOOL_CATEGORY_VALUE_READ;
    const file = stringField(toolInput, 'file_path', 'notebook_path');
    if (file !== undefined) {
      filePath = normalizePath(file, cwd);
      addPath(findings, filePath, cwd);
      target = filePath;
    } else if (toolName === 'BashOutput') {
      target = stringField(toolInput, 'bash_id', 'shell_id');
    } else {
      // Glob, Grep, LS: the directory searched (default: the working directory).
      const directory = normalizePath(stringField(toolInput, 'path') ?? '.', cwd);
      addPath(findings, directory, cwd);
      const pattern = stringField(toolInput, 'pattern');
      target =
        toolName === 'Glob' && pattern !== undefined
          ? normalizePath(pattern, directory)
          : directory;
    }
  } else if (EXECUTE_TOOLS.has(toolName)) {
    category = AGENT_TOOL_CATEGORY_VALUE_EXECUTE;
    sandboxDisabled = leavesSandbox(toolInput);
    const command = stringField(toolInput, 'command');
    // Claude Code's Monitor watches a command's output or, instead, a WebSocket it opens.
    const socket = command === undefined ? stringField(fieldOf(toolInput, 'ws'), 'url') : undefined;
    if (command !== undefined) target = describeCommand(findings, commands, command, cwd, redact);
    else if (socket !== undefined) {
      category = AGENT_TOOL_CATEGORY_VALUE_NETWORK;
      target = fetchTarget(findings, socket, undefined, redact);
    } else target = stringField(toolInput, 'shell_id', 'bash_id');
  } else if (NETWORK_TOOLS.has(toolName)) {
    category = AGENT_TOOL_CATEGORY_VALUE_NETWORK;
    target = fetchTarget(
      findings,
      stringField(toolInput, 'url'),
      stringField(toolInput, 'query'),
      redact,
    );
  } else if (AGENT_TOOLS.has(toolName)) {
    category = AGENT_TOOL_CATEGORY_VALUE_AGENT;
    subagentType = stringField(toolInput, 'subagent_type') ?? 'general-purpose';
    target = subagentType;
  } else if (toolName === EXIT_WORKTREE_TOOL) {
    target = exitWorktreeTarget(toolInput);
  } else if (CLAUDE_CODE_SERVICE_TOOLS.has(toolName)) {
    const service = describeServiceTool(toolName, findings, toolInput, cwd, redact);
    ({ category, target } = service);
    if (service.mcpServerName !== undefined) mcpServerName = service.mcpServerName;
  } else {
    const kind = OTHER_AGENT_TOOLS.get(toolKey(toolName));
    const other =
      kind === undefined
        ? undefined
        : describeOtherAgentTool(kind, findings, commands, toolInput, cwd, redact);
    if (kind === 'shell') sandboxDisabled = leavesSandbox(toolInput);
    if (other === undefined) scanInput(findings, toolInput, cwd);
    else {
      ({ category, target, filePath } = other);
      if (other.mcpServerName !== undefined) {
        mcpServerName = other.mcpServerName;
        mcpToolName = other.mcpToolName;
      }
    }
  }

  const singleUrl = findings.urls.length === 1 ? findings.urls[0] : undefined;
  const singleHost = findings.hosts.length === 1 ? findings.hosts[0] : undefined;
  const serverPort = singleUrl && singleUrl.host === singleHost ? singleUrl.port : undefined;
  const toolType =
    mcpServerName !== undefined
      ? GEN_AI_TOOL_TYPE_VALUE_EXTENSION
      : GEN_AI_TOOL_TYPE_VALUE_FUNCTION;
  const attributes: SpanAttributes = {
    [ATTR_GEN_AI_TOOL_NAME]: toolName,
    [ATTR_GEN_AI_TOOL_TYPE]: toolType,
    [ATTR_AGENT_TOOL_CATEGORY]: category,
  };
  if (target !== undefined) {
    target = truncateTarget(target);
    attributes[ATTR_AGENT_TOOL_TARGET] = target;
  }
  if (filePath !== undefined) attributes[ATTR_FILE_PATH] = filePath;
  if (singleUrl) attributes[ATTR_URL_FULL] = truncateTarget(singleUrl.full);
  if (singleHost !== undefined) attributes[ATTR_SERVER_ADDRESS] = singleHost;
  if (serverPort !== undefined) attributes[ATTR_SERVER_PORT] = serverPort;
  if (findings.hosts.length > 0) attributes[ATTR_AGENT_TOOL_HOSTS] = [...findings.hosts];
  if (findings.paths.length > 0) attributes[ATTR_AGENT_TOOL_PATHS] = [...findings.paths];
  if (sandboxDisabled) attributes[ATTR_AGENT_TOOL_SANDBOX_DISABLED] = true;
  if (mcpServerName) attributes[ATTR_AGENT_MCP_SERVER_NAME] = mcpServerName;
  if (mcpToolName !== undefined) attributes[ATTR_AGENT_MCP_TOOL_NAME] = mcpToolName;

  return {
    toolName,
    category,
    toolType,
    ...(target !== undefined ? { target } : {}),
    ...(filePath !== undefined ? { filePath } : {}),
    ...(singleUrl ? { url: attributes[ATTR_URL_FULL] as string } : {}),
    ...(singleHost !== undefined ? { serverAddress: singleHost } : {}),
    ...(serverPort !== undefined ? { serverPort } : {}),
    hosts: findings.hosts,
    paths: findings.paths,
    ...(mcpServerName ? { mcpServerName } : {}),
    ...(mcpToolName !== undefined ? { mcpToolName } : {}),
    ...(subagentType !== undefined ? { subagentType } : {}),
    commands,
    attributes,
  };
}
