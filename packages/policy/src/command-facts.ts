/**
 * Facts about a shell command line that rules need and CEL cannot easily compute: the simple
 * commands it runs, whether it sends data out, what it writes or deletes, which identity it
 * selects. Derived from `agent.tool.target` alone (with the workspace for relative paths), so
 * the hook and the collector derive the same facts.
 */
import { normalizePath, parseShellCommand, unwrapCommand } from '@agent-otel/core';

/** One simple command of a command line, as rules see it. */
export interface CommandView {
  /** The program, base name, after wrappers (`sudo`, `env`, `xargs`…) are removed. */
  readonly program: string;
  /** Wrappers that ran it (`sudo`, `doas`, `env`, …), base names. */
  readonly wrappers: readonly string[];
  /** Words after the program. */
  readonly args: readonly string[];
  /** Args that start with `-`. */
  readonly flags: readonly string[];
  /** Args that do not start with `-`. */
  readonly operands: readonly string[];
  /** `VAR=value` assignments before the command (and `export VAR=value`). */
  readonly assignments: readonly string[];
  /** Redirection targets, normalized to absolute paths. */
  readonly redirects: readonly string[];
  /** The command's words joined by spaces (after wrappers). */
  readonly line: string;
}

/** Everything derived from one command line. */
export interface CommandFacts {
  readonly commands: readonly CommandView[];
  /** Adjacent stages of pipelines as `producer|consumer` programs (`curl|sh`). */
  readonly pipes: readonly string[];
  readonly sendsData: boolean;
  readonly writtenPaths: readonly string[];
  readonly deletedPaths: readonly string[];
  readonly identitySelectors: readonly string[];
  readonly identitySwitchCommand: boolean;
}

const baseName = (word: string): string => word.split('/').pop() ?? word;

const RAW_SOCKET_PROGRAMS = new Set(['nc', 'ncat', 'netcat', 'socat', 'telnet']);
const CURL_SEND_OPTIONS =
  /^(-d|--data|--data-binary|--data-raw|--data-urlencode|--data-ascii|-F|--form|--form-string|-T|--upload-file|--json)(=|$)|^-[a-zA-Z]*[dFT]$/;
const WGET_SEND_OPTIONS = /^--(post-data|post-file|body-data|body-file)(=|$)/;
const SCRIPT_SENDS =
  /requests\.(post|put|patch)|urlopen|urllib\.request|fetch\(|https?\.request|socket\.|XMLHttpRequest|axios\.(post|put)|net\.connect/;
const REMOTE_OPERAND = /^([\w.-]+@)?[\w.-]+:(?!\/\/)/;
const TOKEN_VARIABLES =
  /^(GH_TOKEN|GITHUB_TOKEN|GITLAB_TOKEN|NPM_TOKEN|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|ANTHROPIC_API_KEY|OPENAI_API_KEY|GOOGLE_APPLICATION_CREDENTIALS|KUBECONFIG|VAULT_TOKEN|DOCKER_AUTH_CONFIG)=(.+)$/;

function optionValue(args: readonly string[], names: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    for (const name of names) {
      if (arg === name) return args[index + 1];
      if (arg.startsWith(name + '=')) return arg.slice(name.length + 1);
    }
  }
  return undefined;
}

function sendsData(command: CommandView, pipelineInput: boolean): boolean {
  const { program, args } = command;
  if (RAW_SOCKET_PROGRAMS.has(program)) return true;
  if (program === 'curl') {
    if (args.some((arg) => CURL_SEND_OPTIONS.test(arg))) return true;
    const method = optionValue(args, ['-X', '--request'])?.toUpperCase();
    return method === 'POST' || method === 'PUT' || method === 'PATCH';
  }
  if (program === 'wget') {
    if (args.some((arg) => WGET_SEND_OPTIONS.test(arg))) return true;
    const method = optionValue(args, ['--method'])?.toUpperCase();
    return method === 'POST' || method === 'PUT';
  }
  if (['http', 'https', 'xh', 'httpie'].includes(program)) {
    const method = command.operands[0]?.toUpperCase();
    return (
      method === 'POST' ||
      method === 'PUT' ||
      method === 'PATCH' ||
      command.operands.slice(1).some((arg) => /^[\w.-]+(=|:=|@)/.test(arg))
    );
  }
  if (program === 'scp' || program === 'rsync' || program === 'sftp') {
    const last = command.operands[command.operands.length - 1];
    return last !== undefined && REMOTE_OPERAND.test(last);
  }
  if (program === 'ssh') return pipelineInput || command.redirects.length > 0;
  if (['aws', 'gsutil', 'gcloud', 'az', 'rclone'].includes(program)) {
    const last = command.operands[command.operands.length - 1] ?? '';
    return (
      /^(s3|gs|az|https?):\/\//.test(last) &&
      command.operands.some((operand) => ['cp', 'mv', 'sync', 'upload', 'copy'].includes(operand))
    );
  }
  if (/^(python[\d.]*|node|ruby|perl|php|deno|bun)$/.test(program)) {
    return SCRIPT_SENDS.test(args.join(' '));
  }
  return false;
}

function writtenAndDeleted(
  command: CommandView,
  cwd: string,
): { written: string[]; deleted: string[] } {
  const path = (word: string): string => normalizePath(word, cwd);
  const { program, operands, flags } = command;
  const written = [...command.redirects];
  const deleted: string[] = [];
  switch (program) {
    case 'cp':
    case 'mv':
    case 'install':
    case 'ln':
    case 'rsync': {
      const last = operands[operands.length - 1];
      if (operands.length >= 2 && last !== undefined && !REMOTE_OPERAND.test(last)) {
        written.push(path(last));
      }
      if (program === 'mv') written.push(...operands.slice(0, -1).map(path));
      break;
    }
    case 'touch':
    case 'mkdir':
    case 'tee':
    case 'truncate':
    case 'shred':
    case 'unlink':
    case 'rmdir':
      written.push(...operands.map(path));
      break;
    case 'chmod':
    case 'chown':
    case 'chgrp':
      written.push(...operands.slice(1).map(path));
      break;
    case 'rm': {
      const targets = operands.map(path);
      written.push(...targets);
      const recursive = flags.some(
        (flag) => flag === '--recursive' || /^-[a-zA-Z]*[rR]/.test(flag),
      );
      if (recursive) deleted.push(...targets);
      break;
    }
    case 'sed':
      if (flags.some((flag) => /^-[a-zA-Z]*i/.test(flag) || flag.startsWith('--in-place'))) {
        written.push(...operands.slice(1).map(path));
      }
      break;
    case 'dd': {
      const output = command.args.find((arg) => arg.startsWith('of='));
      if (output) written.push(path(output.slice(3)));
      break;
    }
    case 'find':
      if (command.args.includes('-delete') || /-exec\s+rm\b/.test(command.args.join(' '))) {
        const root = path(
          command.args.find((arg) => !arg.startsWith('-') && !arg.startsWith('(')) ?? '.',
        );
        // `find . -name '*.log' -delete` deletes what matches, not the folder it searches.
        const names = command.args.flatMap((arg, index) =>
          ['-name', '-iname', '-path', '-ipath', '-regex'].includes(arg) &&
          command.args[index + 1] !== undefined
            ? [command.args[index + 1]!]
            : [],
        );
        if (names.length === 0) deleted.push(root);
        else
          deleted.push(
            ...names.map((name) => `${root}/**/${name.replace(/^\.\//, '').replace(/^\*\//, '')}`),
          );
      }
      break;
  }
  return { written, deleted };
}

interface IdentityFacts {
  selectors: string[];
  explicitSwitch: boolean;
}

function identityFacts(command: CommandView): IdentityFacts {
  const { program, operands, args } = command;
  const selectors: string[] = [];
  let explicitSwitch = false;
  const sub = operands.slice(0, 3).join(' ');
  for (const assignment of command.assignments) {
    const profile = /^AWS_PROFILE=(.+)$/.exec(assignment);
    if (profile) selectors.push(`aws_profile:${profile[1]}`);
    const context = /^(KUBECONTEXT|KUBE_CONTEXT)=(.+)$/.exec(assignment);
    if (context) selectors.push(`kube_context:${context[2]}`);
    const token = TOKEN_VARIABLES.exec(assignment);
    // A literal token handed to a command is a new identity; `$VAR` re-uses the session's.
    if (token && !token[2]!.startsWith('$')) {
      selectors.push(`env_token:${token[1]!.toLowerCase()}`);
      explicitSwitch = true;
    }
  }
  if (program === 'aws') {
    // Without --profile or AWS_PROFILE the call runs as the default identity: a later
    // --profile prod-admin is then a switch.
    const profile =
      optionValue(args, ['--profile']) ??
      (command.assignments.some((assignment) => assignment.startsWith('AWS_PROFILE='))
        ? undefined
        : '(default)');
    if (profile) selectors.push(`aws_profile:${profile}`);
    if (/^(sts assume-role|configure set|sso login)/.test(sub)) explicitSwitch = true;
  } else if (program === 'kubectl' || program === 'helm' || program === 'kubectx') {
    const context = optionValue(args, ['--context', '--kube-context']);
    if (context) selectors.push(`kube_context:${context}`);
    else if (program === 'kubectl' && operands[0] !== 'config')
      selectors.push('kube_context:(current)');
    if (sub.startsWith('config use-context') || sub.startsWith('config set-context')) {
      explicitSwitch = true;
      if (operands[2]) selectors.push(`kube_context:${operands[2]}`);
    }
    if (program === 'kubectx' && operands[0]) {
      explicitSwitch = true;
      selectors.push(`kube_context:${operands[0]}`);
    }
  } else if (program === 'gh') {
    if (sub.startsWith('auth switch') || sub.startsWith('auth login')) {
      explicitSwitch = true;
      const user = optionValue(args, ['--user', '-u']);
      selectors.push(`gh_user:${user ?? 'switched'}`);
    }
  } else if (program === 'gcloud') {
    const account = optionValue(args, ['--account']);
    if (account) selectors.push(`gcp_account:${account}`);
    if (sub.startsWith('config set account') && operands[3]) {
      explicitSwitch = true;
      selectors.push(`gcp_account:${operands[3]}`);
    }
    if (
      sub.startsWith('config configurations activate') ||
      sub.startsWith('auth activate-service-account') ||
      sub.startsWith('auth login')
    ) {
      explicitSwitch = true;
    }
  } else if (program === 'az') {
    if (sub.startsWith('account set')) {
      explicitSwitch = true;
      const subscription = optionValue(args, ['--subscription', '-s']);
      if (subscription) selectors.push(`azure_subscription:${subscription}`);
    }
    if (sub.startsWith('login')) explicitSwitch = true;
  } else if (program === 'git') {
    const configIndex = operands.indexOf('config');
    const key = configIndex === -1 ? undefined : operands[configIndex + 1];
    const value = configIndex === -1 ? undefined : operands[configIndex + 2];
    if ((key === 'user.email' || key === 'user.name') && value !== undefined) {
      explicitSwitch = true;
      selectors.push(`git_user:${value}`);
    }
  } else if (
    (program === 'docker' || program === 'podman' || program === 'helm') &&
    operands[0] === 'login'
  ) {
    explicitSwitch = true;
  } else if (
    (program === 'npm' || program === 'yarn' || program === 'pnpm') &&
    /^(login|adduser)$/.test(operands[0] ?? '')
  ) {
    explicitSwitch = true;
  } else if (program === 'ssh') {
    const key = optionValue(args, ['-i']);
    if (key) selectors.push(`ssh_key:${key}`);
  }
  return { selectors, explicitSwitch };
}

/**
 * Command lines longer than this are read as their first and last halves of it: the reader is
 * linear but not free (≈ 0.3 s per MB on a busy machine), and padding a command cannot push a
 * payload at its end out of view. Agents' commands are far shorter; heredocs are the long ones.
 */
const MAX_COMMAND_LENGTH = 256 * 1024;
/** Simple commands kept (first and last halves): every rule iterates over them. */
const MAX_COMMANDS = 1000;

function boundedCommand(commandLine: string): string {
  if (commandLine.length <= MAX_COMMAND_LENGTH) return commandLine;
  const half = MAX_COMMAND_LENGTH / 2;
  return `${commandLine.slice(0, half)}\n${commandLine.slice(-half)}`;
}

/**
 * Splits a command line into pipelines and their stages, honouring quotes, in one linear pass
 * (rules must not run regular expressions across stages of a long line: `[^|]*\|` over many
 * `curl` words is quadratic).
 */
function pipelineStages(commandLine: string): string[][] {
  const pipelines: string[][] = [];
  let stages: string[] = [];
  let current = '';
  let quote: string | undefined;
  const endStage = (): void => {
    stages.push(current);
    current = '';
  };
  const endPipeline = (): void => {
    endStage();
    if (stages.some((stage) => stage.trim() !== '')) pipelines.push(stages);
    stages = [];
  };
  for (let index = 0; index < commandLine.length; index += 1) {
    const char = commandLine[index]!;
    if (quote !== undefined) {
      current += char;
      if (char === '\\' && quote === '"') {
        current += commandLine[index + 1] ?? '';
        index += 1;
      } else if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    if (char === '\\') {
      current += char + (commandLine[index + 1] ?? '');
      index += 1;
      continue;
    }
    const next = commandLine[index + 1];
    const previous = commandLine[index - 1];
    // `2>&1`, `>&2`, `&>file` are redirections, not `&` separators.
    if (char === '&' && (previous === '>' || previous === '<' || next === '>')) {
      current += char;
      continue;
    }
    if (char === '|' && next !== '|') endStage();
    else if ((char === '|' && next === '|') || (char === '&' && next === '&')) {
      endPipeline();
      index += 1;
    } else if (char === ';' || char === '\n' || char === '&') endPipeline();
    else current += char;
  }
  endPipeline();
  return pipelines;
}

function stageProgram(stage: string): string {
  const [first] = parseShellCommand(stage);
  if (!first) return '';
  const stripped = unwrapCommand(first.words);
  const words = stripped.length === 0 ? first.words : stripped;
  return words[0] !== undefined ? baseName(words[0]) : '';
}

/** `producer|consumer` for every two adjacent stages of every pipeline. */
function adjacentPipes(commandLine: string): string[] {
  const pipes: string[] = [];
  for (const stages of pipelineStages(commandLine)) {
    const programs = stages.map(stageProgram);
    for (let index = 1; index < programs.length; index += 1) {
      pipes.push(`${programs[index - 1]}|${programs[index]}`);
    }
  }
  return [...new Set(pipes)];
}

/**
 * Facts of a command line run in `cwd` (the workspace). `home` is what `~` and `$HOME` mean:
 * undefined this process's home (the hook runs as the agent's user), null not known.
 */
export function commandFacts(commandLine: string, cwd: string, home?: string | null): CommandFacts {
  const parsedCommands = parseShellCommand(boundedCommand(commandLine), 0, home);
  const simple =
    parsedCommands.length <= MAX_COMMANDS
      ? parsedCommands
      : [...parsedCommands.slice(0, MAX_COMMANDS / 2), ...parsedCommands.slice(-MAX_COMMANDS / 2)];
  const commands: CommandView[] = [];
  // Variables exported earlier on the line apply to the commands after them.
  const exported: string[] = [];
  for (const parsed of simple) {
    // A wrapper run alone (`env`, `sudo -l`) is the program itself.
    const stripped = unwrapCommand(parsed.words);
    const unwrapped = stripped.length === 0 ? parsed.words : stripped;
    const wrappers = parsed.words
      .slice(0, parsed.words.length - unwrapped.length)
      .filter((word) => !word.startsWith('-') && !word.includes('='))
      .map(baseName);
    let program = unwrapped[0] !== undefined ? baseName(unwrapped[0]) : '';
    let args = unwrapped.slice(1);
    const assignments = [...exported, ...parsed.assignments];
    // `export AWS_PROFILE=prod` selects an identity like an inline assignment does.
    if (program === 'export' || program === 'set' || program === 'declare') {
      const declared = args.filter((arg) => /^[A-Za-z_]\w*=/.test(arg));
      assignments.push(...declared);
      exported.push(...declared);
    }
    if (program === '' && assignments.length === 0 && parsed.redirections.length === 0) continue;
    if (program === '') {
      program = '';
      args = [];
    }
    commands.push({
      program,
      wrappers,
      args,
      flags: args.filter((arg) => arg.startsWith('-')),
      operands: args.filter((arg) => !arg.startsWith('-')),
      assignments,
      redirects: parsed.redirections
        .filter(
          (redirection) =>
            redirection.operator.includes('>') && !/^&?\d*$/.test(redirection.target),
        )
        .map((redirection) => normalizePath(redirection.target, cwd)),
      line: [program, ...args].join(' '),
    });
  }
  const written: string[] = [];
  const deleted: string[] = [];
  const selectors: string[] = [];
  let explicitSwitch = false;
  let sends = false;
  commands.forEach((command, index) => {
    sends ||= sendsData(command, index > 0);
    const paths = writtenAndDeleted(command, cwd);
    written.push(...paths.written);
    deleted.push(...paths.deleted);
    const identity = identityFacts(command);
    selectors.push(...identity.selectors);
    explicitSwitch ||= identity.explicitSwitch;
  });
  return {
    commands,
    pipes: adjacentPipes(boundedCommand(commandLine)),
    sendsData: sends,
    writtenPaths: [...new Set(written)],
    deletedPaths: [...new Set(deleted)],
    identitySelectors: [...new Set(selectors)],
    identitySwitchCommand: explicitSwitch,
  };
}
