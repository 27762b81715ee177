/** @agent-otel/policy: the policy engine, its recommended ruleset, intent, and the span processor. */
export { loadPolicy, PolicyEngine, RECOMMENDED_POLICY_PATH } from './engine.js';
export type { CompiledRule } from './engine.js';
export { PolicyError } from './errors.js';
export type { PolicyErrorLocation } from './errors.js';
export { parsePolicyText } from './policy-file.js';
export type { PolicyFile, PolicyRuleSpec, PolicyRulesetSpec, PolicyScopes } from './policy-file.js';
export { isSecretPath, isBuildPath } from './paths.js';
export type { LoadPolicyOptions, PolicySpanProcessorOptions } from './types.js';
export type { CommandHome } from './view.js';
export { parseHookLines, replayHookEvents } from './replay.js';
export type { HookPayload, ReplayFinding, ReplayedSession, ReplayOptions } from './replay.js';
export { PolicySpanProcessor } from './span-processor.js';
export { evaluateCorpus, loadCorpus } from './evaluation.js';
export type {
  CategoryScore,
  CorpusSession,
  EvaluationReport,
  Mismatch,
  SessionLabels,
} from './evaluation.js';
export { classifyIntent } from './intent.js';
export { intentFromState } from './state-intent.js';
