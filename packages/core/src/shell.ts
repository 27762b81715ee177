/**
 * A small POSIX-shell reader: enough of `sh` to find the simple commands of a command line
 * (pipes, lists, subshells, `$(...)`, backticks, `bash -c '...'`), their words after quote
 * removal, and their redirections. It never runs or expands anything except `~` and `$HOME`;
 * what it cannot understand it keeps as literal words, so a strange command still yields its
 * hosts and paths rather than an error.
 */
import { homedir } from 'node:os';

/** One redirection of a simple command: `>`, `>>`, `<`, `2>`, `&>`, … and its target word. */
export interface ShellRedirection {
  readonly operator: string;
  readonly target: string;
}

/** One simple command: its words (quotes removed), without leading `VAR=value` assignments. */
export interface SimpleCommand {
  readonly words: readonly string[];
  readonly assignments: readonly string[];
  readonly redirections: readonly ShellRedirection[];
}

type Token =
  | { readonly kind: 'word'; readonly value: string; readonly quoted: boolean }
  | { readonly kind: 'operator'; readonly value: string };

const CONTROL_OPERATORS = ['&&', '||', '|&', ';;', '|', ';', '&', '(', ')', '\n'];
const REDIRECTION_OPERATORS = ['>>', '>|', '>&', '<<<', '<<-', '<<', '<>', '<&', '>', '<'];

/** Limits recursion through `$(...)` and `sh -c` so a hostile command cannot blow the stack. */
const MAX_DEPTH = 8;

/**
 * `~` and `$HOME` expanded with `home`: undefined is this process's home directory (the hook
 * runs as the agent's user); null is a home not known (the collector reading another machine's
 * call), where `$HOME` becomes `~` and `~` stays, so the path still says where it is.
 */
function expandHome(word: string, home: string | null | undefined): string {
  const base = home === undefined ? homedir() : home;
  if (base === null) return word.replace(/\$\{HOME\}|\$HOME(?![A-Za-z0-9_])/g, '~');
  let value = word;
  if (value === '~' || value.startsWith('~/')) value = base + value.slice(1);
  return value.replace(/\$\{HOME\}|\$HOME(?![A-Za-z0-9_])/g, base);
}

interface Tokenized {
  readonly tokens: Token[];
  /** Command lines found inside `$(...)`, backticks and `<(...)`, to be read on their own. */
  readonly nested: string[];
}

/** Finds the `)` closing the `(` at `start - 1`, honouring quotes and nesting. */
function closingParen(text: string, start: number): number {
  let depth = 1;
  let index = start;
  while (index < text.length) {
    const char = text[index];
    if (char === '\\') index += 2;
    else if (char === "'") {
      const end = text.indexOf("'", index + 1);
      index = end === -1 ? text.length : end + 1;
    } else if (char === '"') {
      index += 1;
      while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
      index += 1;
    } else {
      if (char === '(') depth += 1;
      if (char === ')') {
        depth -= 1;
        if (depth === 0) return index;
      }
      index += 1;
    }
  }
  return text.length;
}

function tokenize(text: string): Tokenized {
  const tokens: Token[] = [];
  const nested: string[] = [];
  const pendingHeredocs: string[] = [];
  let index = 0;
  let word = '';
  let inWord = false;
  let quoted = false;

  const endWord = (): void => {
    if (inWord) {
      // The word after `<<` is a here-document delimiter: its body is skipped at the newline.
      const last = tokens[tokens.length - 1];
      if (last?.kind === 'operator' && /<<-?$/.test(last.value)) pendingHeredocs.push(word);
      tokens.push({ kind: 'word', value: word, quoted });
    }
    word = '';
    inWord = false;
    quoted = false;
  };

  while (index < text.length) {
    const char = text[index]!;
    if (char === '\\') {
      if (text[index + 1] === '\n') {
        index += 2;
        continue;
      }
      word += text[index + 1] ?? '';
      inWord = true;
      index += 2;
      continue;
    }
    if (char === "'") {
      const end = text.indexOf("'", index + 1);
      const stop = end === -1 ? text.length : end;
      word += text.slice(index + 1, stop);
      inWord = true;
      quoted = true;
      index = stop + 1;
      continue;
    }
    if (char === '"') {
      index += 1;
      inWord = true;
      quoted = true;
      while (index < text.length && text[index] !== '"') {
        if (text[index] === '\\' && '"\\$`\n'.includes(text[index + 1] ?? '')) {
          word += text[index + 1];
          index += 2;
        } else if (text.startsWith('$(', index)) {
          const end = closingParen(text, index + 2);
          nested.push(text.slice(index + 2, end));
          word += text.slice(index, end + 1);
          index = end + 1;
        } else if (text[index] === '`') {
          const end = text.indexOf('`', index + 1);
          const stop = end === -1 ? text.length : end;
          nested.push(text.slice(index + 1, stop));
          word += text.slice(index, stop + 1);
          index = stop + 1;
        } else {
          word += text[index];
          index += 1;
        }
      }
      index += 1;
      continue;
    }
    if (text.startsWith('$(', index) || (!inWord && /^[<>]\(/.test(text.slice(index, index + 2)))) {
      const open = index + 2;
      const end = closingParen(text, open);
      nested.push(text.slice(open, end));
      word += text.slice(index, end + 1);
      inWord = true;
      index = end + 1;
      continue;
    }
    if (char === '`') {
      const end = text.indexOf('`', index + 1);
      const stop = end === -1 ? text.length : end;
      nested.push(text.slice(index + 1, stop));
      word += text.slice(index, stop + 1);
      inWord = true;
      index = stop + 1;
      continue;
    }
    if (char === '#' && !inWord) {
      const end = text.indexOf('\n', index);
      index = end === -1 ? text.length : end;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r') {
      endWord();
      index += 1;
      continue;
    }
    if (char === '<' || char === '>') {
      // `2>file`: digits just before a redirection are its file descriptor, not a word.
      const descriptor = inWord && !quoted && /^\d+$/.test(word) ? word : '';
      if (descriptor) {
        word = '';
        inWord = false;
      } else endWord();
      const operator = REDIRECTION_OPERATORS.find((candidate) =>
        text.startsWith(candidate, index),
      )!;
      tokens.push({ kind: 'operator', value: descriptor + operator });
      index += operator.length;
      continue;
    }
    if (char === '&' && text[index + 1] === '>') {
      endWord();
      const operator = text[index + 2] === '>' ? '&>>' : '&>';
      tokens.push({ kind: 'operator', value: operator });
      index += operator.length;
      continue;
    }
    const control = CONTROL_OPERATORS.find((operator) => text.startsWith(operator, index));
    if (control) {
      endWord();
      tokens.push({ kind: 'operator', value: control });
      index += control.length;
      if (control === '\n' && pendingHeredocs.length > 0) {
        // Skip here-document bodies: they are data, not commands.
        while (pendingHeredocs.length > 0 && index < text.length) {
          const lineEnd = text.indexOf('\n', index);
          const stop = lineEnd === -1 ? text.length : lineEnd;
          const line = text.slice(index, stop).replace(/^\t+/, '');
          index = stop + 1;
          if (line === pendingHeredocs[0]) pendingHeredocs.shift();
        }
      }
      continue;
    }
    word += char;
    inWord = true;
    index += 1;
  }
  endWord();
  return { tokens, nested };
}

function isAssignment(word: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(word);
}

/**
 * Reads `command` into its simple commands, including the ones nested in substitutions; `~` and
 * `$HOME` are expanded with `home` (`expandHome`).
 */
export function parseShellCommand(
  command: string,
  depth = 0,
  home?: string | null,
): SimpleCommand[] {
  if (depth > MAX_DEPTH) return [];
  const { tokens, nested } = tokenize(command);
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  let assignments: string[] = [];
  let redirections: ShellRedirection[] = [];

  const flush = (): void => {
    if (words.length > 0 || redirections.length > 0 || assignments.length > 0) {
      commands.push({ words, assignments, redirections });
    }
    words = [];
    assignments = [];
    redirections = [];
  };

  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.kind === 'operator') {
      if (/[<>]/.test(token.value)) {
        const next = tokens[index + 1];
        if (next?.kind === 'word') {
          redirections.push({ operator: token.value, target: expandHome(next.value, home) });
          index += 1;
        }
        continue;
      }
      flush();
      continue;
    }
    if (words.length === 0 && !token.quoted && isAssignment(token.value)) {
      assignments.push(token.value);
      continue;
    }
    words.push(expandHome(token.value, home));
  }
  flush();

  for (const inner of nested) commands.push(...parseShellCommand(inner, depth + 1, home));
  // `bash -c 'script'`, `sh -c`, `eval '...'`: the script is a command line of its own.
  for (const simple of [...commands]) {
    const [program, ...args] = unwrapCommand(simple.words);
    if (!program) continue;
    const base = program.split('/').pop() ?? program;
    if (/^(ba|z|k|da|fi)?sh$/.test(base)) {
      const flagIndex = args.findIndex((arg) => /^-[a-z]*c[a-z]*$/.test(arg));
      const script = flagIndex === -1 ? undefined : args[flagIndex + 1];
      if (script !== undefined) commands.push(...parseShellCommand(script, depth + 1, home));
    } else if (base === 'eval' && args.length > 0) {
      commands.push(...parseShellCommand(args.join(' '), depth + 1, home));
    }
  }
  return commands;
}

/** Wrapper commands whose arguments start another command (`sudo rm`, `env X=1 curl`, …). */
const WRAPPERS: Record<string, { readonly valueOptions: readonly string[] }> = {
  sudo: { valueOptions: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U'] },
  doas: { valueOptions: ['-u', '-C'] },
  env: { valueOptions: ['-u', '-C', '-S'] },
  nohup: { valueOptions: [] },
  time: { valueOptions: ['-f', '-o'] },
  nice: { valueOptions: ['-n'] },
  ionice: { valueOptions: ['-c', '-n'] },
  exec: { valueOptions: ['-a'] },
  command: { valueOptions: [] },
  builtin: { valueOptions: [] },
  xargs: { valueOptions: ['-I', '-n', '-P', '-L', '-d', '-E', '-s', '-a'] },
  timeout: { valueOptions: ['-s', '-k', '--signal', '--kill-after'] },
  stdbuf: { valueOptions: ['-i', '-o', '-e'] },
  strace: { valueOptions: ['-e', '-o', '-p', '-s'] },
  watch: { valueOptions: ['-n', '-d'] },
  npx: { valueOptions: ['-p', '--package'] },
};

/**
 * The words of the command a wrapper runs: `sudo -u root rm -rf /` → `rm -rf /`. Commands
 * that are not wrappers come back unchanged.
 */
export function unwrapCommand(words: readonly string[]): readonly string[] {
  let current = words;
  for (let guard = 0; guard < 8; guard += 1) {
    const program = current[0];
    if (program === undefined) return current;
    const wrapper = WRAPPERS[program.split('/').pop() ?? program];
    if (!wrapper) return current;
    let index = 1;
    while (index < current.length) {
      const word = current[index]!;
      if (word === '--') {
        index += 1;
        break;
      }
      if (wrapper.valueOptions.includes(word)) index += 2;
      else if (word.startsWith('-') || (program === 'env' && isAssignment(word))) index += 1;
      else if (program === 'timeout' && /^\d+(\.\d+)?[smhd]?$/.test(word)) index += 1;
      else break;
    }
    current = current.slice(index);
  }
  return current;
}
