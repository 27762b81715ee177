/**
 * The rule view: what a CEL condition sees. Built from the tool span's attributes (the agent
 * semantic convention), the session span's attributes and the session state, so it is the same
 * whether the call came from a hook event or from an OTLP span (docs/policy.md "The rule view").
 */
import { homeOfWorkspace } from '@agent-otel/core';
import type { DecisionRequest, SpanAttributes } from '@agent-otel/core';
import {
  ATTR_AGENT_DATA_SECRET_TYPES,
  ATTR_AGENT_IDENTITY_CREDENTIALS,
  ATTR_AGENT_IDENTITY_CREDENTIALS_USED,
  ATTR_AGENT_IDENTITY_SWITCHED,
  ATTR_AGENT_TOOL_SANDBOX_DISABLED,
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_MCP_TOOL_NAME,
  ATTR_AGENT_MCP_TOOLS_ADDED,
  ATTR_AGENT_MCP_TOOLS_CHANGED,
  ATTR_AGENT_MCP_TOOLS_FINGERPRINT,
  ATTR_AGENT_MCP_TOOLS_REMOVED,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_HOSTS,
  ATTR_AGENT_TOOL_OUTCOME,
  ATTR_AGENT_TOOL_PATHS,
  ATTR_AGENT_TOOL_TARGET,
  ATTR_AGENT_WORKSPACE_PATH,
  ATTR_FILE_PATH,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_USER_ID,
} from '@agent-otel/semconv';
import { commandFacts } from './command-facts.js';
import type { CommandFacts, CommandView } from './command-facts.js';
import { isNeutralPath, isSecretPath, isUnder } from './paths.js';
import type { PolicyScopes } from './policy-file.js';
import type { CallRecord } from './session-state.js';
import { union } from './session-state.js';

/** Tool facts, computed once per call (TypeScript names; the CEL view uses snake_case). */
export interface ToolFacts {
  readonly name: string;
  readonly type: string;
  readonly category: string;
  readonly target: string;
  readonly command: string;
  readonly filePath: string;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly hosts: readonly string[];
  readonly externalHosts: readonly string[];
  readonly paths: readonly string[];
  readonly readPaths: readonly string[];
  readonly writtenPaths: readonly string[];
  readonly deletedPaths: readonly string[];
  readonly secretPaths: readonly string[];
  readonly outsidePaths: readonly string[];
  readonly outsideReads: readonly string[];
  readonly outsideWrites: readonly string[];
  readonly mcpServer: string;
  readonly mcpTool: string;
  readonly mcpToolsFingerprint: string;
  readonly mcpToolsChanged: boolean;
  readonly commands: readonly CommandView[];
  readonly programs: readonly string[];
  readonly pipes: readonly string[];
  readonly sendsData: boolean;
  readonly secretTypes: readonly string[];
  readonly credentialsUsed: readonly string[];
  readonly identitySelectors: readonly string[];
  readonly identitySwitchCommand: boolean;
  readonly identitySwitchedAttribute: boolean;
  readonly sandboxDisabled: boolean;
  readonly outcome: string;
  readonly workspace: string;
}

const stringOf = (value: unknown): string => (typeof value === 'string' ? value : '');
const listOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

const SEARCH_PROGRAMS = new Set(['find', 'fd', 'locate', 'mlocate', 'grep', 'egrep', 'rg', 'ag']);
const LOOPBACK = /^(localhost|127(\.\d+){3}|::1|\[::1\]|0\.0\.0\.0|host\.docker\.internal)$/i;
const MCP_WRITE_VERB = /(write|edit|create|move|delete|remove|rename|mkdir|upload|put|update)/i;
const MCP_SEND_VERB =
  /(send|post|upload|publish|comment|message|email|mail|gist|push|share|create_issue|webhook)/i;

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) =>
    pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern,
  );
}

function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values())
    bits -= (count / value.length) * Math.log2(count / value.length);
  return bits;
}

/**
 * Whether a fetched URL smuggles data out in its query: a long value that decodes to one
 * random-looking word (base64, hex), not a search phrase (`?q=how+to+configure+postgres`).
 */
function carriesEncodedData(url: string): boolean {
  const query = url.indexOf('?');
  if (query === -1) return false;
  return url
    .slice(query + 1)
    .split('#')[0]!
    .split('&')
    .some((pair) => {
      let value = pair.slice(pair.indexOf('=') + 1);
      try {
        value = decodeURIComponent(value.replace(/\+/g, ' '));
      } catch {
        // Malformed escapes: judge the raw text.
      }
      return (
        value.length >= 24 &&
        !/\s/.test(value) &&
        /[0-9]/.test(value) &&
        /[A-Za-z]/.test(value) &&
        entropy(value) >= 3.5
      );
    });
}

/** Recently parsed command lines, per workspace (commands repeat: `git status`, `npm test`). */
const COMMAND_CACHE_SIZE = 512;
const commandCache = new Map<string, CommandFacts>();

/**
 * `commandFacts`, remembered for the last COMMAND_CACHE_SIZE distinct (command, cwd, home); it
 * is pure.
 */
function cachedCommandFacts(
  command: string,
  cwd: string,
  home: string | null | undefined,
): CommandFacts {
  // undefined (this process's home) and null (none known) apart from any path.
  const key = `${home === undefined ? '\u0001' : (home ?? '\u0002')}\u0000${cwd}\u0000${command}`;
  let facts = commandCache.get(key);
  if (facts === undefined) {
    facts = commandFacts(command, cwd, home);
    if (commandCache.size >= COMMAND_CACHE_SIZE) {
      const oldest = commandCache.keys().next().value;
      if (oldest !== undefined) commandCache.delete(oldest);
    }
    commandCache.set(key, facts);
  }
  return facts;
}

/**
 * The tool-span attributes `toolFacts` reads — and all it reads: it sees the request through
 * `factAttributes`, so a call's facts are a function of these values (and the session's
 * workspace and the policy's scopes), which `toolFactsKey` names.
 */
const FACT_KEYS = [
  ATTR_AGENT_WORKSPACE_PATH,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_TARGET,
  ATTR_FILE_PATH,
  ATTR_AGENT_TOOL_PATHS,
  ATTR_AGENT_TOOL_HOSTS,
  ATTR_SERVER_ADDRESS,
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_MCP_TOOL_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_URL_FULL,
  ATTR_AGENT_MCP_TOOLS_CHANGED,
  ATTR_AGENT_MCP_TOOLS_ADDED,
  ATTR_AGENT_MCP_TOOLS_REMOVED,
  ATTR_SERVER_PORT,
  ATTR_AGENT_MCP_TOOLS_FINGERPRINT,
  ATTR_AGENT_DATA_SECRET_TYPES,
  ATTR_AGENT_IDENTITY_CREDENTIALS_USED,
  ATTR_AGENT_IDENTITY_SWITCHED,
  ATTR_AGENT_TOOL_OUTCOME,
  ATTR_AGENT_TOOL_SANDBOX_DISABLED,
] as const;

/** FACT_KEYS positions by key (no prototype: a key such as `constructor` is not one). */
const FACT_POSITIONS: Readonly<Record<string, number | undefined>> = Object.freeze(
  Object.assign(
    Object.create(null) as Record<string, number>,
    Object.fromEntries(FACT_KEYS.map((key, position) => [key, position])),
  ),
);

/**
 * The FACT_KEYS values of a request: its attributes' own enumerable properties, as
 * `FactsIndex.node` reads them (the facts and their memo key see the same values).
 */
function factAttributes(request: DecisionRequest): Readonly<SpanAttributes> {
  const picked: SpanAttributes = {};
  const attributes = request.attributes;
  for (const key of FACT_KEYS) {
    if (
      !Object.hasOwn(attributes, key) ||
      !Object.prototype.propertyIsEnumerable.call(attributes, key)
    )
      continue;
    const value = attributes[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}

/** `factKeyPart` of frozen lists of scalars (never changed: their JSON is fixed). */
const frozenParts = new WeakMap<object, string>();

function isScalar(item: unknown): boolean {
  const kind = typeof item;
  return kind === 'string' || kind === 'number' || kind === 'boolean';
}

/**
 * One value of `toolFactsKey`: its kind and, for strings, its length before it, so no two
 * different lists of values give the same key (a string holding a separator cannot pass for
 * two values). Numbers by `String` (JSON would turn NaN into null); anything else by JSON.
 */
function factKeyPart(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'u';
    case 'string':
      return `s${value.length}:${value}`;
    case 'number':
      return `n${String(value)};`;
    case 'boolean':
      return value ? 't' : 'f';
    default: {
      // A frozen list of strings, numbers or booleans (a tool call's description's, shared by
      // every call described alike) keeps its part: the same for as long as it lives. Only
      // such lists are remembered, so a list found is one (its items checked, and
      // `Object.isFrozen` — a call into V8's runtime — asked, once).
      const known =
        typeof value === 'object' && value !== null ? frozenParts.get(value) : undefined;
      if (known !== undefined) return known;
      const json = JSON.stringify(value) ?? '';
      const part = `j${json.length}:${json}`;
      if (Array.isArray(value) && Object.isFrozen(value) && value.every(isScalar))
        frozenParts.set(value, part);
      return part;
    }
  }
}

/**
 * A string naming everything `toolFacts` depends on in a request (for a memo of its result):
 * the session's workspace and the FACT_KEYS values, each encoded by `factKeyPart` (built by
 * concatenation: cheaper than JSON of an array of them, and most values are absent).
 */
export function toolFactsKey(request: DecisionRequest): string {
  let key = factKeyPart(request.sessionAttributes[ATTR_AGENT_WORKSPACE_PATH]);
  const attributes = factAttributes(request);
  // Absent values are left out, present ones marked with their key's position.
  for (let index = 0; index < FACT_KEYS.length; index++) {
    const value = attributes[FACT_KEYS[index]!];
    if (value !== undefined) key += FACT_KEY_MARKS[index]! + factKeyPart(value);
  }
  return key;
}

/** One step of a `FactsIndex`: the value of the key it names, and the steps after it. */
export interface FactsIndexNode<T> {
  value: T | undefined;
  /**
   * The first step taken after this one, kept in the node (most keys share no prefix beyond
   * the workspace, so most nodes have one child and need no Map): its slot, whether its key is
   * a `factKeyPart`, the key, the node.
   */
  firstSlot: number;
  firstPart: boolean;
  firstKey: unknown;
  firstChild: FactsIndexNode<T> | undefined;
  /** Per slot (0 the workspace, 1 + FACT_KEYS position), other children by primitive value. */
  next: (Map<unknown, FactsIndexNode<T>> | undefined)[] | undefined;
  /** Per slot, other children by `factKeyPart` of a value that is not a primitive (a list). */
  parts: (Map<string, FactsIndexNode<T>> | undefined)[] | undefined;
}

function indexNode<T>(): FactsIndexNode<T> {
  return {
    value: undefined,
    firstSlot: -1,
    firstPart: false,
    firstKey: undefined,
    firstChild: undefined,
    next: undefined,
    parts: undefined,
  };
}

/**
 * Values per distinct `toolFactsKey`, found without building the key: a tree with one step per
 * part of the key (the workspace, then each present FACT_KEYS value with its position), so a
 * lookup makes no string. Two requests reach the same node exactly when their keys are equal:
 * strings, booleans and undefined step by themselves, numbers by value (as `String` tells them
 * apart: NaN is NaN, -0 is 0 — a Map's SameValueZero), anything else by its `factKeyPart`.
 */
export class FactsIndex<T> {
  #root: FactsIndexNode<T> = indexNode();
  /** `node`'s values by FACT_KEYS position, for one call at a time (emptied after it). */
  readonly #values: unknown[] = new Array<unknown>(FACT_KEYS.length).fill(undefined);
  /** Nodes given a value since the last `clear`. */
  size = 0;

  /** The node of a request's key, made when missing (set its `value`, count it in `size`). */
  node(request: DecisionRequest): FactsIndexNode<T> {
    let node = step(this.#root, 0, request.sessionAttributes[ATTR_AGENT_WORKSPACE_PATH]);
    // The record's keys are walked once and the fact keys among them picked out, then stepped
    // through in FACT_KEYS order: 21 lookups by name on records of many shapes (each span's
    // attributes have their own) cost more than the walk, and most records have few of them.
    const attributes = request.attributes;
    const values = this.#values;
    let present = 0;
    for (const key in attributes) {
      const position = FACT_POSITIONS[key];
      if (position === undefined || !Object.hasOwn(attributes, key)) continue;
      const value = attributes[key];
      if (value === undefined) continue;
      values[position] = value;
      present |= 1 << position;
    }
    // Lowest position first; each value slot is emptied as it is used (no record kept alive).
    while (present !== 0) {
      const position = 31 - Math.clz32(present & -present);
      present &= present - 1;
      node = step(node, position + 1, values[position]);
      values[position] = undefined;
    }
    return node;
  }

  clear(): void {
    this.#root = indexNode();
    this.size = 0;
  }
}

/** SameValueZero, as a Map compares keys. */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a as number) && Number.isNaN(b as number));
}

function step<T>(node: FactsIndexNode<T>, slot: number, value: unknown): FactsIndexNode<T> {
  const kind = typeof value;
  const part = !(
    kind === 'string' ||
    kind === 'number' ||
    kind === 'boolean' ||
    kind === 'undefined'
  );
  const key = part ? factKeyPart(value) : value;
  if (node.firstChild === undefined) {
    const child = indexNode<T>();
    node.firstSlot = slot;
    node.firstPart = part;
    node.firstKey = key;
    node.firstChild = child;
    return child;
  }
  if (node.firstSlot === slot && node.firstPart === part && sameKey(node.firstKey, key))
    return node.firstChild;
  if (!part) {
    const maps = (node.next ??= []);
    let map = maps[slot];
    if (map === undefined) {
      map = new Map();
      maps[slot] = map;
    }
    let child = map.get(key);
    if (child === undefined) {
      child = indexNode();
      map.set(key, child);
    }
    return child;
  }
  const maps = (node.parts ??= []);
  let map = maps[slot];
  if (map === undefined) {
    map = new Map();
    maps[slot] = map;
  }
  let child = map.get(key as string);
  if (child === undefined) {
    child = indexNode();
    map.set(key as string, child);
  }
  return child;
}

/** One character per FACT_KEYS position, before a present value in `toolFactsKey`. */
const FACT_KEY_MARKS = FACT_KEYS.map((_, index) => String.fromCharCode(65 + index));

/**
 * Where `~` and `$HOME` in a command point: `process`, this process's home (the hook runs as
 * the agent's user); `workspace`, the home the session's workspace is in (`/home/dev/app` →
 * `/home/dev`; none known outside one) — the collector's case, judging calls made on other
 * machines.
 */
export type CommandHome = 'process' | 'workspace';

/** The tool facts of a request. */
export function toolFacts(
  request: DecisionRequest,
  scopes: PolicyScopes,
  commandHome: CommandHome = 'process',
): ToolFacts {
  const attributes = factAttributes(request);
  const workspace =
    stringOf(attributes[ATTR_AGENT_WORKSPACE_PATH]) ||
    stringOf(request.sessionAttributes[ATTR_AGENT_WORKSPACE_PATH]);
  const category = stringOf(attributes[ATTR_AGENT_TOOL_CATEGORY]) || 'other';
  const target = stringOf(attributes[ATTR_AGENT_TOOL_TARGET]);
  const filePath = stringOf(attributes[ATTR_FILE_PATH]);
  const paths = union(listOf(attributes[ATTR_AGENT_TOOL_PATHS]), filePath ? [filePath] : []);
  const hosts = union(
    listOf(attributes[ATTR_AGENT_TOOL_HOSTS]),
    stringOf(attributes[ATTR_SERVER_ADDRESS]) ? [stringOf(attributes[ATTR_SERVER_ADDRESS])] : [],
  );
  const mcpServer = stringOf(attributes[ATTR_AGENT_MCP_SERVER_NAME]);
  const mcpTool = stringOf(attributes[ATTR_AGENT_MCP_TOOL_NAME]);
  const name = stringOf(attributes[ATTR_GEN_AI_TOOL_NAME]);
  const facts =
    category === 'execute' && target !== ''
      ? cachedCommandFacts(
          target,
          workspace || '/',
          commandHome === 'process' ? undefined : homeOfWorkspace(workspace),
        )
      : undefined;

  let writtenPaths: string[] = [];
  let readPaths: string[] = [];
  if (category === 'write') writtenPaths = [...paths];
  else if (category === 'read') readPaths = [...paths];
  else if (facts) {
    writtenPaths = [...facts.writtenPaths];
    readPaths = paths.filter((path) => !writtenPaths.includes(path));
  } else if (category === 'mcp') {
    if (MCP_WRITE_VERB.test(mcpTool)) writtenPaths = [...paths];
    else readPaths = [...paths];
  } else readPaths = [...paths];

  const allowedPaths = scopes.paths ?? [];
  const outside = (path: string): boolean =>
    workspace !== '' &&
    !isUnder(path, workspace) &&
    !isNeutralPath(path) &&
    !allowedPaths.some((allowed) => isUnder(path, allowed));
  const externalHosts = hosts.filter(
    (host) => !LOOPBACK.test(host) && !hostAllowed(host, scopes.hosts ?? []),
  );
  const url = stringOf(attributes[ATTR_URL_FULL]);
  const longQuery = carriesEncodedData(url);
  const mcpToolsChanged =
    listOf(attributes[ATTR_AGENT_MCP_TOOLS_CHANGED]).length > 0 ||
    listOf(attributes[ATTR_AGENT_MCP_TOOLS_ADDED]).length > 0 ||
    listOf(attributes[ATTR_AGENT_MCP_TOOLS_REMOVED]).length > 0;
  const port = attributes[ATTR_SERVER_PORT];

  return {
    name,
    type: stringOf(attributes[ATTR_GEN_AI_TOOL_TYPE]),
    category,
    target,
    command: facts ? target : '',
    filePath,
    url,
    host: stringOf(attributes[ATTR_SERVER_ADDRESS]),
    port: typeof port === 'number' ? port : 0,
    hosts,
    externalHosts,
    paths,
    readPaths,
    writtenPaths,
    deletedPaths: facts?.deletedPaths ?? [],
    // `find . -name '*.pem'` names a pattern to search for, not a key file it reads.
    // A file only written to (`cp .env.example .env`, `echo X=1 >> .env`) is not read.
    secretPaths: paths.filter(
      (path) =>
        isSecretPath(path) &&
        !(facts !== undefined && writtenPaths.includes(path) && !readPaths.includes(path)) &&
        !(
          /[*?[]/.test(path) &&
          facts?.commands.some((command) => SEARCH_PROGRAMS.has(command.program))
        ),
    ),
    outsidePaths: paths.filter(outside),
    outsideReads: readPaths.filter(outside),
    outsideWrites: writtenPaths.filter(outside),
    mcpServer,
    mcpTool,
    mcpToolsFingerprint: stringOf(attributes[ATTR_AGENT_MCP_TOOLS_FINGERPRINT]),
    mcpToolsChanged,
    commands: facts?.commands ?? [],
    programs: union((facts?.commands ?? []).map((command) => command.program).filter(Boolean)),
    pipes: facts?.pipes ?? [],
    sendsData:
      (facts?.sendsData ?? false) ||
      (category === 'network' && longQuery) ||
      // A network tool that names files of this machine uploads them (a claude.ai project's
      // `local_path`, an artifact's `file_path`): fetch and search tools name none.
      (category === 'network' && readPaths.length > 0) ||
      (category === 'mcp' && MCP_SEND_VERB.test(mcpTool)),
    secretTypes: listOf(attributes[ATTR_AGENT_DATA_SECRET_TYPES]),
    credentialsUsed: listOf(attributes[ATTR_AGENT_IDENTITY_CREDENTIALS_USED]),
    identitySelectors: facts?.identitySelectors ?? [],
    identitySwitchCommand: facts?.identitySwitchCommand ?? false,
    identitySwitchedAttribute: attributes[ATTR_AGENT_IDENTITY_SWITCHED] === true,
    sandboxDisabled: attributes[ATTR_AGENT_TOOL_SANDBOX_DISABLED] === true,
    outcome: stringOf(attributes[ATTR_AGENT_TOOL_OUTCOME]),
    workspace,
  };
}

const kindOf = (identity: string): string => identity.slice(0, identity.indexOf(':'));

/**
 * The identities a call uses, as the session state records them: credentials (`kind:fingerprint`,
 * from the span) and the selectors read from the command (`cmd.aws_profile:dev`), kept apart
 * so a profile name is never compared with a fingerprint of the same kind.
 */
export function recordedIdentities(facts: ToolFacts): string[] {
  return union(
    facts.identitySelectors.map((selector) => `cmd.${selector}`),
    facts.credentialsUsed,
  );
}

/**
 * Whether the call moves to another identity than the session used before: the span says so,
 * the command is a switch (`gh auth switch`, `kubectl config use-context`…), or it selects an
 * identity of a kind the session already used with another value (`aws --profile prod` after
 * `--profile dev`).
 */
export function identitySwitched(facts: ToolFacts, earlierIdentities: readonly string[]): boolean {
  if (facts.identitySwitchedAttribute || facts.identitySwitchCommand) return true;
  const current = recordedIdentities(facts);
  return current.some((identity) =>
    earlierIdentities.some(
      (earlier) => kindOf(earlier) === kindOf(identity) && earlier !== identity,
    ),
  );
}

/** Session aggregates over the earlier calls. */
export interface SessionAggregates {
  readonly secretTypes: string[];
  readonly secretPaths: string[];
  readonly readPaths: string[];
  readonly outsideReads: string[];
  readonly hosts: string[];
  readonly externalHosts: string[];
  readonly mcpServers: string[];
  readonly mcpToolsFingerprints: Record<string, string>;
  readonly identities: string[];
  readonly callCount: number;
}

/**
 * Session aggregates that grow one call at a time: the same lists, in the same first-seen
 * order, as one pass over the calls — so the engine folds in each new call once instead of
 * re-reading the whole session on every call.
 */
/**
 * `list` followed by `more`, in a list of exactly their length — by a loop, as `concat` is a
 * call into V8's runtime (these lists are short, and joined at many calls).
 */
function joined(list: readonly string[], more: readonly string[]): string[] {
  const result = new Array<string>(list.length + more.length);
  for (let index = 0; index < list.length; index++) result[index] = list[index]!;
  for (let index = 0; index < more.length; index++) result[list.length + index] = more[index]!;
  return result;
}

/** The empty map `RunningAggregates` fingerprints start as (never changed: frozen). */
const NO_FINGERPRINTS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The empty list every `RunningAggregates` list starts as (never changed: frozen). */
const NO_ITEMS: string[] = Object.freeze([]) as unknown as string[];

export class RunningAggregates implements SessionAggregates {
  // Lists start as one shared empty list; short ones are replaced by longer ones of their exact
  // length as they grow (a session keeps them for its lifetime; an array grown by push keeps
  // room for 17), long ones grow in place.
  secretTypes: string[] = NO_ITEMS;
  secretPaths: string[] = NO_ITEMS;
  readPaths: string[] = NO_ITEMS;
  outsideReads: string[] = NO_ITEMS;
  hosts: string[] = NO_ITEMS;
  externalHosts: string[] = NO_ITEMS;
  mcpServers: string[] = NO_ITEMS;
  mcpToolsFingerprints: Record<string, string> = NO_FINGERPRINTS;
  identities: string[] = NO_ITEMS;
  callCount = 0;
  /**
   * What each list holds, for lists past a few items (below that a scan is as quick, and a
   * session keeps these for its lifetime: most of its lists stay empty or short).
   */
  #seen: Partial<Record<AggregateList, Set<string>>> | undefined;

  /** Folds in the next call (calls must come in `seq` order). */
  add(call: CallRecord): void {
    // Each list read and written by its name (a list chosen by a name string was a keyed
    // access on every call, most of this method's time).
    if (call.secretTypes.length > 0)
      this.secretTypes = this.#withNew('secretTypes', this.secretTypes, call.secretTypes);
    if (call.secretPaths.length > 0)
      this.secretPaths = this.#withNew('secretPaths', this.secretPaths, call.secretPaths);
    if (call.readPaths.length > 0)
      this.readPaths = this.#withNew('readPaths', this.readPaths, call.readPaths);
    if (call.outsideReads.length > 0)
      this.outsideReads = this.#withNew('outsideReads', this.outsideReads, call.outsideReads);
    if (call.hosts.length > 0) this.hosts = this.#withNew('hosts', this.hosts, call.hosts);
    if (call.externalHosts.length > 0)
      this.externalHosts = this.#withNew('externalHosts', this.externalHosts, call.externalHosts);
    if (call.identities.length > 0)
      this.identities = this.#withNew('identities', this.identities, call.identities);
    if (call.mcpServer) {
      this.mcpServers = this.#withNew('mcpServers', this.mcpServers, [call.mcpServer]);
      const fingerprint = call.mcpToolsFingerprint;
      if (fingerprint) {
        if (this.mcpToolsFingerprints === NO_FINGERPRINTS) this.mcpToolsFingerprints = {};
        this.mcpToolsFingerprints[call.mcpServer] = fingerprint;
      }
    }
    this.callCount++;
  }

  /**
   * `list` with the values it does not have yet appended, in order: a new list of its exact
   * length while it is short, the same list grown in place past that (`name` says which list's
   * Set of what it holds to use).
   */
  #withNew(name: AggregateList, list: string[], values: readonly string[]): string[] {
    let seen = this.#seen?.[name];
    if (seen === undefined && list.length + values.length <= SCAN_LIMIT) {
      let fresh: string[] | undefined;
      for (const value of values) {
        if (list.includes(value) || fresh?.includes(value)) continue;
        (fresh ??= []).push(value);
      }
      return fresh === undefined ? list : joined(list, fresh);
    }
    if (seen === undefined) {
      seen = new Set(list);
      (this.#seen ??= {})[name] = seen;
      // The shared empty list is never grown: a list of its own.
      if (list === NO_ITEMS) list = [];
    }
    for (const value of values) {
      if (seen.has(value)) continue;
      seen.add(value);
      list.push(value);
    }
    return list;
  }
}

/** The lists of `RunningAggregates` (internal to the package; the engine's records take most). */
export type AggregateList =
  | 'secretTypes'
  | 'secretPaths'
  | 'readPaths'
  | 'outsideReads'
  | 'hosts'
  | 'externalHosts'
  | 'mcpServers'
  | 'identities';

/** Up to this many items a list is searched, past it a Set is kept. */
const SCAN_LIMIT = 8;

/** What the session did before the current call (one pass over the earlier calls). */
export function sessionAggregates(calls: readonly CallRecord[]): RunningAggregates {
  const aggregates = new RunningAggregates();
  for (const call of calls) aggregates.add(call);
  return aggregates;
}

/** The CEL variables of one evaluation. Integers are bigint (CEL `int`). */
export interface RuleView {
  readonly phase: string;
  readonly tool: Record<string, unknown>;
  readonly session: Record<string, unknown>;
  readonly scope: Record<string, unknown>;
}

/** Builds the CEL view of a call. */
export function ruleView(
  request: DecisionRequest,
  facts: ToolFacts,
  session: SessionAggregates,
  switched: boolean,
  intents: readonly string[],
  scopes: PolicyScopes,
): RuleView {
  return {
    phase: request.phase,
    tool: toolView(request, facts, switched),
    session: sessionView(request, facts, session, intents),
    scope: scopeView(scopes),
  };
}

/**
 * The `tool` variable of the view. Apart from `identity_switched` and `attributes` it is a
 * function of the facts (the engine reuses it for calls with the same facts).
 */
export function toolView(
  request: DecisionRequest,
  facts: ToolFacts,
  switched: boolean,
): Record<string, unknown> {
  return {
    name: facts.name,
    type: facts.type,
    category: facts.category,
    target: facts.target,
    command: facts.command,
    file_path: facts.filePath,
    url: facts.url,
    host: facts.host,
    port: BigInt(facts.port),
    hosts: facts.hosts,
    external_hosts: facts.externalHosts,
    paths: facts.paths,
    read_paths: facts.readPaths,
    written_paths: facts.writtenPaths,
    deleted_paths: facts.deletedPaths,
    secret_paths: facts.secretPaths,
    outside_paths: facts.outsidePaths,
    outside_reads: facts.outsideReads,
    outside_writes: facts.outsideWrites,
    mcp_server: facts.mcpServer,
    mcp_tool: facts.mcpTool,
    mcp_tools_fingerprint: facts.mcpToolsFingerprint,
    mcp_tools_changed: facts.mcpToolsChanged,
    commands: facts.commands.map((command) => ({
      program: command.program,
      wrappers: command.wrappers,
      args: command.args,
      flags: command.flags,
      operands: command.operands,
      assignments: command.assignments,
      redirects: command.redirects,
      line: command.line,
    })),
    programs: facts.programs,
    pipes: facts.pipes,
    sends_data: facts.sendsData,
    secret_types: facts.secretTypes,
    credentials_used: facts.credentialsUsed,
    identities: union(facts.identitySelectors, facts.credentialsUsed),
    identity_switched: switched,
    sandbox_disabled: facts.sandboxDisabled,
    outcome: facts.outcome,
    attributes: request.attributes,
  };
}

/** The `session` variable of the view. */
export function sessionView(
  request: DecisionRequest,
  facts: ToolFacts,
  session: SessionAggregates,
  intents: readonly string[],
): Record<string, unknown> {
  return fillSessionView({}, request, facts, session, intents);
}

/**
 * Sets the fields of the `session` variable on `target` (always in the same order) and returns
 * it: the engine refills one object for every call instead of making one per call.
 */
export function fillSessionView(
  target: Record<string, unknown>,
  request: DecisionRequest,
  facts: ToolFacts,
  session: SessionAggregates,
  intents: readonly string[],
): Record<string, unknown> {
  const sessionAttributes = request.sessionAttributes;
  target['id'] = request.sessionId;
  target['workspace'] = facts.workspace;
  target['owner'] = stringOf(sessionAttributes[ATTR_USER_ID]);
  target['credentials'] = stringsOf(sessionAttributes[ATTR_AGENT_IDENTITY_CREDENTIALS]);
  target['secret_types'] = session.secretTypes;
  target['secret_paths_read'] = session.secretPaths;
  target['paths_read'] = session.readPaths;
  target['outside_reads'] = session.outsideReads;
  target['hosts'] = session.hosts;
  target['external_hosts'] = session.externalHosts;
  target['mcp_servers'] = session.mcpServers;
  target['mcp_tools_fingerprints'] = session.mcpToolsFingerprints;
  target['identities'] = session.identities;
  target['intents'] = intents;
  target['call_count'] = bigCount(session.callCount);
  target['attributes'] = sessionAttributes;
  return target;
}

/** No strings (shared: the view is read, never changed). */
const NO_STRINGS: readonly string[] = Object.freeze([]);

/**
 * `listOf` for a view that is read during one call: the list itself when it holds only strings
 * (no copy per call of a session attribute that stays the same), the shared empty list when
 * there is none.
 */
function stringsOf(value: unknown): readonly string[] {
  if (value === undefined) return NO_STRINGS;
  if (!Array.isArray(value)) return listOf(value);
  for (const item of value) if (typeof item !== 'string') return listOf(value);
  return value as string[];
}

/** CEL ints of the counts below MAX_CALLS-like sizes, made once (a BigInt is an allocation). */
const SMALL_COUNTS: bigint[] = [];

function bigCount(count: number): bigint {
  if (count >= 4096 || !Number.isInteger(count) || count < 0) return BigInt(count);
  return (SMALL_COUNTS[count] ??= BigInt(count));
}

/** The `scope` variable of the view (a function of the policy's scopes). */
export function scopeView(scopes: PolicyScopes): Record<string, unknown> {
  return {
    mcp_servers: scopes.mcp_servers ?? [],
    mcp_servers_set: scopes.mcp_servers !== undefined,
    paths: scopes.paths ?? [],
    hosts: scopes.hosts ?? [],
    hosts_set: scopes.hosts !== undefined,
  };
}
