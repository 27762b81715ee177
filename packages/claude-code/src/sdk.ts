/**
 * The Claude Agent SDK integration: `agentOtelHooks(options)` returns the `hooks` option of
 * `query()`. Same mapping and decisions as the command hook, but in-process: no child process
 * per event, and delivery happens in the background of the host program.
 */
import { installationKey, loadConfig, SessionStore } from '@agent-otel/core';
import type { Decider, ResolvedConfig } from '@agent-otel/core';
import { AGENT_POLICY_ENFORCED_BY_VALUE_SDK } from '@agent-otel/semconv';
import { failClosedOutput, handleHookEvent } from './adapter.js';
import type { HookOutput } from './adapter.js';
import { buildDecider } from './decider.js';
import { KNOWN_HOOK_EVENTS, parseHookInput } from './schemas.js';
import type { AgentOtelHooksOptions } from './types.js';

/** What a hook callback returns: nothing to say, or a decision. Assignable to the SDK's `HookJSONOutput`. */
export type AgentOtelHookOutput = Record<string, never> | HookOutput;

/** A hook callback, shaped like the SDK's `HookCallback`. */
export type AgentOtelHookCallback = (
  input: unknown,
  toolUseId: string | undefined,
  options: { signal: AbortSignal },
) => Promise<AgentOtelHookOutput>;

/** A hook matcher, shaped like the SDK's `HookCallbackMatcher`. */
export interface AgentOtelHookMatcher {
  matcher?: string;
  hooks: AgentOtelHookCallback[];
}

/** The `hooks` option of `query()`, for every hook event. */
export type AgentOtelHooks = Record<string, AgentOtelHookMatcher[]>;

/** The hooks plus a way to wait for delivery (call `flush()` before the program exits). */
export interface AgentOtelHooksHandle {
  readonly hooks: AgentOtelHooks;
  /** Delivers everything recorded so far; resolves with the number of spans still undelivered. */
  flush(): Promise<number>;
}

interface Runtime {
  readonly config: ResolvedConfig;
  readonly decider: Decider;
  readonly key: string;
  readonly store: SessionStore;
}

/** Creates the Agent SDK hooks and a `flush()` to deliver their spans. */
export function createAgentOtelHooks(options: AgentOtelHooksOptions = {}): AgentOtelHooksHandle {
  const { decider: givenDecider, onError, env: givenEnv, ...configOptions } = options;
  const env = givenEnv ?? process.env;
  const report =
    onError ?? ((error: Error) => process.stderr.write(`agent-otel: ${error.message}\n`));
  let runtime: Promise<Runtime> | undefined;
  let delivery: Promise<number> = Promise.resolve(0);

  const init = (): Promise<Runtime> =>
    (runtime ??= (async () => {
      const config = await loadConfig({ env, overrides: configOptions });
      for (const problem of config.problems) report(new Error(problem));
      let decider = givenDecider;
      if (!decider) {
        const built = await buildDecider(config);
        for (const problem of built.problems) report(new Error(problem));
        decider = built.decider;
      }
      return {
        config,
        decider,
        key: installationKey(config.stateDir, env),
        store: new SessionStore(config.stateDir),
      };
    })());

  const deliver = (): Promise<number> => {
    delivery = delivery.then(async () => {
      const { config } = await init();
      if (!config.tracesUrl && !config.outputFile) return 0;
      const { deliverOutbox } = await import('@agent-otel/core/delivery');
      const result = await deliverOutbox(config);
      if (result.error)
        report(new Error(`${result.remaining} span(s) not delivered: ${result.error.message}`));
      return result.remaining;
    });
    return delivery;
  };

  const callback: AgentOtelHookCallback = async (input) => {
    const eventName =
      typeof input === 'object' && input !== null
        ? String((input as { hook_event_name?: unknown }).hook_event_name ?? '')
        : '';
    let failClosed = configOptions.failClosed ?? false;
    try {
      const { config, decider, key, store } = await init();
      failClosed = config.failClosed;
      const parsed = parseHookInput(input);
      if (!parsed.ok) throw new Error(`invalid hook input: ${parsed.error}`);
      const result = handleHookEvent(parsed.input, {
        config,
        store,
        decider,
        key,
        enforcedBy: AGENT_POLICY_ENFORCED_BY_VALUE_SDK,
        env,
      });
      if (result.spans.length > 0) void deliver().catch((error: Error) => report(error));
      return result.output ?? {};
    } catch (error) {
      report(error as Error);
      return (failClosed ? failClosedOutput(eventName, (error as Error).message) : undefined) ?? {};
    }
  };

  const hooks: AgentOtelHooks = {};
  for (const event of KNOWN_HOOK_EVENTS) hooks[event] = [{ hooks: [callback] }];
  return {
    hooks,
    flush: async () => {
      await delivery.catch(() => undefined);
      return deliver();
    },
  };
}

/**
 * The `hooks` option for the Claude Agent SDK's `query()`: every session becomes a trace, with
 * in-session decisions (`enforced_by: sdk`). Use `createAgentOtelHooks` to also get `flush()`.
 */
export function agentOtelHooks(options: AgentOtelHooksOptions = {}): AgentOtelHooks {
  return createAgentOtelHooks(options).hooks;
}
