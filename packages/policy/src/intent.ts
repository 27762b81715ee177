/**
 * The intent classifier (docs/intent.md): deterministic, from what the agent did. Each tool
 * call yields weighted signals; a turn's (or the session's) intent is the category with the
 * highest total weight. Risky categories come from the rules that matched (so a benign prompt
 * followed by secret harvesting is still credential_access); benign ones from what the calls
 * read, wrote and ran.
 */
import { writesWholeFile } from '@agent-otel/core';
import type { IntentVerdict, PolicyFinding } from '@agent-otel/core';
import type { CallRecord } from './session-state.js';
import { isBuildPath } from './paths.js';
import type { ToolFacts } from './view.js';

/** One signal: the category it supports, its weight, and a label that explains it. */
interface WeightedSignal {
  readonly category: string;
  readonly weight: number;
  readonly label: string;
}

/** Base weight of a risky category; scaled by the rule's severity. */
const RISKY_WEIGHT: Readonly<Record<string, number>> = {
  exfiltration: 5,
  destruction: 3,
  privilege_escalation: 3,
  credential_access: 3,
  secret_exposure: 3,
  reconnaissance: 2.5,
  identity_switch: 3,
};
/** Rule category → intent category. */
const RISKY_INTENT: Readonly<Record<string, string>> = {
  exfiltration: 'exfiltration',
  destruction: 'destruction',
  privilege_escalation: 'privilege_escalation',
  credential_access: 'credential_access',
  secret_exposure: 'credential_access',
  reconnaissance: 'reconnaissance',
  // Moving to another identity mid-task (a prod-admin profile, another cluster) gains power.
  identity_switch: 'privilege_escalation',
};
const SEVERITY_SCALE: Readonly<Record<string, number>> = {
  critical: 2,
  high: 1,
  medium: 0.75,
  low: 0.5,
};

/** Benign categories win ties: risk must be shown, not assumed. */
const TIE_ORDER = [
  'explore',
  'review',
  'implement',
  'refactor',
  'test',
  'debug',
  'document',
  'configure',
  // Between risky intents, the graver wins a tie.
  'exfiltration',
  'destruction',
  'privilege_escalation',
  'credential_access',
  'reconnaissance',
];

const TEST_FILE =
  /(^|\/)(test|tests|__tests__|spec|specs|e2e)\/|\.(test|spec)\.[cm]?[jt]sx?$|_test\.(go|py|rb)$|(^|\/)test_[^/]*\.py$|_spec\.rb$/;
const CONFIG_FILE =
  /(^|\/)(package\.json|tsconfig[^/]*\.json|jsconfig\.json|\.eslintrc[^/]*|eslint\.config\.[cm]?[jt]s|\.prettierrc[^/]*|[^/]*\.config\.[cm]?[jt]s|Dockerfile[^/]*|docker-compose[^/]*\.ya?ml|compose\.ya?ml|Makefile|\.gitignore|\.gitattributes|\.editorconfig|\.npmrc|\.nvmrc|\.node-version|\.env\.[\w-]+|\.env|requirements[^/]*\.txt|pyproject\.toml|setup\.cfg|go\.mod|Cargo\.toml|Gemfile|[^/]*\.(ya?ml|toml|ini|cfg|conf|properties)|\.[\w.-]*rc|\.mcp\.json|mcp\.json|claude_desktop_config\.json|settings(\.local)?\.json|\.(bash_|zsh)?profile|\.zshenv)$|(^|\/)\.(github|circleci|husky|vscode|devcontainer|git\/hooks)\//;
const DOC_FILE =
  /\.(md|mdx|rst|adoc|txt)$|(^|\/)docs?\/|(^|\/)(README|CHANGELOG|LICENSE|CONTRIBUTING|NOTICE|AUTHORS)[^/]*$/i;
const LOG_FILE = /\.log(\.\d+)?$|(^|\/)logs?\//;

/** What kind of file a path is, for intent. */
export function fileKind(path: string): 'test' | 'config' | 'doc' | 'log' | 'source' {
  if (TEST_FILE.test(path)) return 'test';
  if (CONFIG_FILE.test(path)) return 'config';
  if (DOC_FILE.test(path)) return 'doc';
  if (LOG_FILE.test(path)) return 'log';
  return 'source';
}

const PACKAGE_MANAGERS = new Set(['npm', 'pnpm', 'yarn', 'bun']);
const TEST_RUNNERS = new Set([
  'jest',
  'vitest',
  'mocha',
  'pytest',
  'ava',
  'tap',
  'karma',
  'playwright',
  'cypress',
  'rspec',
  'phpunit',
  'nyc',
  'c8',
]);
const INSTALLERS =
  /^(npm|pnpm|yarn|bun) (install|i|add|ci|update|up|upgrade|remove|rm|uninstall)\b|^(pip|pip3|uv pip|poetry|pipenv) (install|add|uninstall)\b|^(apt|apt-get|yum|dnf|apk|brew|port|pacman|zypper) (install|add|-S)\b|^go (get|mod)\b|^cargo (add|install|update)\b|^(gem|bundle) install\b|^uv (add|sync)\b|^claude mcp (add|add-json|remove)\b/;
const BUILDS =
  /^(npm|pnpm|yarn|bun) (run )?(build|lint|typecheck|type-check|format|compile|check)\b|^(tsc|eslint|prettier|webpack|rollup|esbuild|vite build|make|cmake|cargo build|go build|go vet|ruff|black|mypy|flake8|gradle|mvn)\b/;
const REVIEW =
  /^git (diff|show|blame|range-diff)\b|^gh pr (view|diff|checks|review|list)\b|^gh issue view\b|^git log .*(-p|--patch|--stat)\b/;
const HISTORY = /^git (log|status|branch|shortlog|remote -v|reflog)\b/;
const READERS = new Set([
  'cat',
  'head',
  'tail',
  'less',
  'more',
  'grep',
  'egrep',
  'rg',
  'ag',
  'find',
  'ls',
  'tree',
  'wc',
  'file',
  'stat',
  'du',
  'bat',
  'jq',
  'fd',
  'pwd',
]);
const SEARCHERS = new Set(['grep', 'egrep', 'rg', 'ag', 'find', 'fd']);
const WRITERS = new Set(['tee', 'sed', 'cp', 'install', 'touch', 'dd', 'truncate', 'ln']);
const DEBUGGERS =
  /^(node|deno|bun) .*--inspect|^(gdb|lldb|strace|ltrace|valgrind|perf|py-spy|dlv)\b|^python[\d.]* -m pdb\b|^(docker|kubectl|podman) logs\b|^journalctl\b|^tail .*(-f|-F)\b/;
const RUN_PROGRAM =
  /^(node|deno|bun|python[\d.]*|ruby|go run|cargo run|java|php) [^-]|^(npm|pnpm|yarn|bun) (run )?(start|dev|serve)\b/;
const SYSTEM_PROBES = new Set(['whoami', 'id', 'hostname', 'uname', 'groups']);

function isTestRun(program: string, operands: readonly string[], line: string): boolean {
  const script = operands[0] === 'run' ? (operands[1] ?? '') : (operands[0] ?? '');
  return (
    TEST_RUNNERS.has(program) ||
    (PACKAGE_MANAGERS.has(program) && /^(test|t)$|^test[:-]/.test(script)) ||
    /^(go|cargo|deno|bun) test\b|^node .*--test\b|^python[\d.]* -m (pytest|unittest)\b|^make (test|check)\b/.test(
      line,
    )
  );
}

function commandSignals(facts: ToolFacts): WeightedSignal[] {
  const signals: WeightedSignal[] = [];
  for (const command of facts.commands) {
    const line = command.line;
    const { program, operands } = command;
    if (isTestRun(program, operands, line)) {
      // Running tests is part of testing and of debugging alike; a failing run tips to debug.
      signals.push({ category: 'test', weight: 1, label: 'run:test' });
      signals.push({ category: 'debug', weight: 1, label: 'run:test' });
      if (facts.outcome === 'error') {
        signals.push({ category: 'debug', weight: 2, label: 'test:failing' });
      }
    } else if (INSTALLERS.test(line)) {
      signals.push({ category: 'configure', weight: 3, label: 'run:install' });
    } else if (BUILDS.test(line)) {
      signals.push({ category: 'configure', weight: 1, label: 'run:build' });
    } else if (REVIEW.test(line)) {
      signals.push({ category: 'review', weight: 3, label: 'git:review' });
    } else if (HISTORY.test(line)) {
      signals.push({ category: 'explore', weight: 1, label: 'git:history' });
      signals.push({ category: 'review', weight: 0.5, label: 'git:history' });
    } else if (program === 'mv' || (program === 'git' && operands[0] === 'mv')) {
      signals.push({ category: 'refactor', weight: 3, label: 'move' });
    } else if (
      program === 'rm' &&
      facts.deletedPaths.length > 0 &&
      facts.deletedPaths.every((path) => isBuildPath(path))
    ) {
      signals.push({ category: 'configure', weight: 2, label: 'clean:build-output' });
    } else if (program === 'chmod' || program === 'chown' || program === 'chgrp') {
      signals.push({ category: 'configure', weight: 1.5, label: 'permissions' });
    } else if (DEBUGGERS.test(line)) {
      signals.push({ category: 'debug', weight: 3, label: 'run:debugger-or-logs' });
    } else if (
      RUN_PROGRAM.test(line) ||
      (program === 'curl' && facts.externalHosts.length === 0 && facts.hosts.length > 0)
    ) {
      signals.push({ category: 'debug', weight: 1.5, label: 'run:program' });
    } else if (program === 'git' && operands[0] === 'config' && !/user\.(email|name)/.test(line)) {
      signals.push({ category: 'configure', weight: 2, label: 'git:config' });
    } else if (SYSTEM_PROBES.has(program)) {
      signals.push({ category: 'reconnaissance', weight: 1, label: `probe:${program}` });
    } else if (READERS.has(program)) {
      const logs = command.operands.some((operand) => LOG_FILE.test(operand));
      signals.push(
        logs
          ? { category: 'debug', weight: 3, label: 'read:logs' }
          : { category: 'explore', weight: 1, label: SEARCHERS.has(program) ? 'search' : 'read' },
      );
    }
  }
  return signals;
}

function writeSignals(
  facts: ToolFacts,
  paths: readonly string[],
  newFile: boolean,
): WeightedSignal[] {
  return paths.flatMap((path): WeightedSignal[] => {
    // Files outside the workspace (a shell profile, ~/.local/bin) set up the machine.
    if (facts.outsideWrites.includes(path)) {
      return [{ category: 'configure', weight: 3, label: 'write:outside-workspace' }];
    }
    const kind = fileKind(path);
    if (kind === 'config') return [{ category: 'configure', weight: 3, label: 'write:config' }];
    if (kind === 'doc') return [{ category: 'document', weight: 3, label: 'write:doc' }];
    // A zero-weight marker per edited file lets the session count distinct files (refactor).
    const marker: WeightedSignal = { category: 'refactor', weight: 0, label: `edited:${path}` };
    if (kind === 'test') {
      return newFile
        ? [{ category: 'test', weight: 3, label: 'write:new-test' }]
        : [{ category: 'test', weight: 1.5, label: 'edit:test' }, marker];
    }
    return newFile
      ? [{ category: 'implement', weight: 3, label: 'write:new-source' }]
      : [{ category: 'implement', weight: 1.5, label: 'edit:source' }, marker];
  });
}

/** The intent signals of one call, as `category|weight|label` strings (compact, JSON-friendly). */
export function callSignals(facts: ToolFacts, findings: readonly PolicyFinding[]): string[] {
  const signals: WeightedSignal[] = [];
  // Risky: per intent category, the strongest rule that matched this call (so a call that
  // reads .env and returns its secrets counts once for credential_access, while a call that
  // both switches identity and reads cluster secrets counts for both).
  const risky = new Map<string, WeightedSignal>();
  for (const finding of findings) {
    const intent = RISKY_INTENT[finding.category];
    if (intent === undefined) continue;
    const weight = (RISKY_WEIGHT[finding.category] ?? 0) * (SEVERITY_SCALE[finding.severity] ?? 1);
    const current = risky.get(intent);
    if (!current || weight > current.weight) {
      risky.set(intent, { category: intent, weight, label: finding.ruleId });
    }
  }
  signals.push(...risky.values());
  // A downloaded installer piped to a shell is set-up work, whatever its risk.
  if (findings.some((finding) => finding.ruleId === 'pipe-to-shell')) {
    signals.push({ category: 'configure', weight: 3, label: 'run:installer' });
  }

  if (facts.category === 'write') {
    // A whole file written (Claude Code's Write, other agents' write_file) is new code; an
    // edit of part of one is a change.
    signals.push(...writeSignals(facts, facts.writtenPaths, writesWholeFile(facts.name)));
  } else if (facts.category === 'read') {
    const logs = facts.readPaths.some((path) => LOG_FILE.test(path));
    // A read of one file (`file.path`: Claude Code's Read, other agents' read tools), not a
    // search or listing of a directory.
    const oneFile = facts.filePath !== '';
    const config = oneFile && facts.readPaths.some((path) => fileKind(path) === 'config');
    if (logs) signals.push({ category: 'debug', weight: 3, label: 'read:logs' });
    else if (config) {
      signals.push({ category: 'configure', weight: 0.75, label: 'read:config' });
      signals.push({ category: 'explore', weight: 0.5, label: 'read:config' });
    } else {
      signals.push({
        category: 'explore',
        weight: 1,
        label: oneFile ? 'read' : 'search',
      });
    }
  } else if (facts.category === 'execute') {
    signals.push(...commandSignals(facts));
    const written = facts.writtenPaths.filter((path) => !/^\/(tmp|dev)\//.test(path));
    const writes = facts.commands.some(
      (command) => WRITERS.has(command.program) || command.redirects.length > 0,
    );
    if (written.length > 0 && writes) signals.push(...writeSignals(facts, written, false));
  } else if (facts.category === 'network') {
    signals.push({ category: 'explore', weight: 1, label: 'web' });
  } else if (facts.category === 'mcp') {
    signals.push(
      facts.writtenPaths.length > 0
        ? { category: 'implement', weight: 1.5, label: 'mcp:write' }
        : { category: 'explore', weight: 1, label: 'mcp:read' },
    );
  }
  return signals.map((signal) => `${signal.category}|${signal.weight}|${signal.label}`);
}

function parseSignal(text: string): WeightedSignal | undefined {
  const first = text.indexOf('|');
  const second = text.indexOf('|', first + 1);
  if (first <= 0 || second <= first) return undefined;
  return {
    category: text.slice(0, first),
    weight: Number(text.slice(first + 1, second)),
    label: text.slice(second + 1),
  };
}

/**
 * Parsed signals per signals list of a call record. Calls without findings share their list
 * with every call of the same tool input (the engine's memo), and a session's calls are
 * classified for each turn and for the session: each list is parsed once, not every time.
 */
const parsedSignals = new WeakMap<readonly string[], readonly ScoredSignal[]>();

/** A parsed signal with what `classifyIntent` asks of it worked out once. */
interface ScoredSignal extends WeightedSignal {
  /** Its category's TIE_ORDER position; -1 outside it. */
  readonly index: number;
  /** LABEL_* bits. */
  readonly marks: number;
}

const LABEL_CHANGE = 1;
const LABEL_NEW_SOURCE = 2;
const LABEL_SEARCH = 4;
const LABEL_SOURCE_EDIT = 8;
const LABEL_TEST_EDIT = 16;
const LABEL_REVIEW = 32;
const LABEL_EDITED = 64;

function scored(signal: WeightedSignal): ScoredSignal {
  const index = CATEGORY_INDEX.get(signal.category) ?? -1;
  const { label } = signal;
  let marks = 0;
  if (CHANGE_LABEL.test(label)) marks |= LABEL_CHANGE;
  if (label === 'write:new-source') marks |= LABEL_NEW_SOURCE;
  if (index === EXPLORE_AT && label === 'search') marks |= LABEL_SEARCH;
  if (index === IMPLEMENT_AT && label === 'edit:source') marks |= LABEL_SOURCE_EDIT;
  if (index === TEST_AT && label === 'edit:test') marks |= LABEL_TEST_EDIT;
  if (index === REVIEW_AT && label === 'git:review') marks |= LABEL_REVIEW;
  if (index === REFACTOR_AT && label.startsWith('edited:')) marks |= LABEL_EDITED;
  return { ...signal, index, marks };
}

function signalsOf(call: CallRecord): readonly ScoredSignal[] {
  let parsed = parsedSignals.get(call.signals);
  if (parsed === undefined) {
    const list: ScoredSignal[] = [];
    for (const text of call.signals) {
      const signal = parseSignal(text);
      if (signal) list.push(scored(signal));
    }
    parsed = list;
    parsedSignals.set(call.signals, parsed);
  }
  return parsed;
}

/** Labels of calls that change something (an edit, a write, a move, an install, a clean-up). */
const CHANGE_LABEL = /^(write:|edit:|move$|run:install$|clean:)/;

/** Position of each TIE_ORDER category (the index of its score in `classifyIntent`). */
const CATEGORY_INDEX = new Map(TIE_ORDER.map((category, index) => [category, index]));
const EXPLORE_AT = CATEGORY_INDEX.get('explore')!;
const REVIEW_AT = CATEGORY_INDEX.get('review')!;
const IMPLEMENT_AT = CATEGORY_INDEX.get('implement')!;
const REFACTOR_AT = CATEGORY_INDEX.get('refactor')!;
const TEST_AT = CATEGORY_INDEX.get('test')!;

/** `classifyIntent`'s scores (see there). */
const SCORES = new Float64Array(TIE_ORDER.length);

/**
 * The intent of a set of calls (a turn, or the session). Two passes over the calls' signals:
 * the scores and the few label counts the adjustments read, then the labels of the winning
 * category alone (the session's intent is worked out at every session and turn end: no map of
 * labels per category for the categories that lose).
 */
export function classifyIntent(calls: readonly CallRecord[]): IntentVerdict {
  // Scores per TIE_ORDER category, summed in call order (categories outside it never win). One
  // list for every classification (they never overlap: no callback runs in between), zeroed by
  // a loop: a new typed array per call and `fill` are each a call into V8's runtime.
  const scores = SCORES;
  for (let index = 0; index < scores.length; index++) scores[index] = 0;
  let newSource = 0;
  let searches = 0;
  let sourceEdits = 0;
  let testEdits = 0;
  let reviews = 0;
  let changes = false;
  let editedFiles: Set<string> | undefined;
  for (const call of calls) {
    for (const signal of signalsOf(call)) {
      if (signal.index >= 0) scores[signal.index]! += signal.weight;
      const marks = signal.marks;
      if (marks === 0) continue;
      if (marks & LABEL_CHANGE) changes = true;
      if (marks & LABEL_NEW_SOURCE) newSource += 1;
      if (marks & LABEL_SEARCH) searches += 1;
      if (marks & LABEL_SOURCE_EDIT) sourceEdits += 1;
      if (marks & LABEL_TEST_EDIT) testEdits += 1;
      if (marks & LABEL_REVIEW) reviews += 1;
      if (marks & LABEL_EDITED) (editedFiles ??= new Set()).add(signal.label);
    }
  }
  // Refactoring changes several existing files (after searching for what to change) and adds
  // none: the edits' weight moves to refactor.
  const edited = editedFiles?.size ?? 0;
  const refactored = newSource === 0 && (edited >= 3 || (edited >= 2 && searches > 0));
  if (refactored) {
    scores[IMPLEMENT_AT]! -= sourceEdits * 1.5;
    scores[TEST_AT]! -= testEdits * 1.5;
    scores[REFACTOR_AT]! += (sourceEdits + testEdits) * 1.5 + 2;
    // The label that says so (below) is a change too.
    changes = true;
  }
  // Reading is how every task starts: once the calls change something, reads are preparation
  // for that change, not exploration for its own sake.
  if (changes) scores[EXPLORE_AT]! *= 0.3;
  // Reading around a diff or a pull request, changing nothing, is reviewing it.
  else if (reviews > 0) scores[REVIEW_AT]! += scores[EXPLORE_AT]! * 0.5;
  let best = -1;
  let bestScore = 0;
  let total = 0;
  for (let index = 0; index < TIE_ORDER.length; index++) {
    const score = scores[index]!;
    if (score <= 0) continue;
    total += score;
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  }
  if (best < 0) return { category: 'unknown', confidence: 0, signals: [] };
  const category = TIE_ORDER[best]!;
  // The winning category's labels with their counts, in first-seen order.
  const labels = new Map<string, number>();
  for (const call of calls) {
    for (const signal of signalsOf(call)) {
      if (signal.category === category)
        labels.set(signal.label, (labels.get(signal.label) ?? 0) + 1);
    }
  }
  if (refactored && best === REFACTOR_AT) labels.set('edit:existing-files', edited);
  // Markers carry no weight and explain nothing on their own.
  const signals = [...labels.entries()]
    .filter(([label]) => !label.startsWith('edited:'))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 5)
    .map(([label, count]) => (count > 1 ? `${label} x${count}` : label));
  return {
    category,
    confidence: Math.round((bestScore / total) * 100) / 100,
    signals,
  };
}
