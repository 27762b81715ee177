/**
 * Evaluation of a policy over a labeled corpus of Claude Code sessions: precision and recall
 * per `security_rule.category`, and intent accuracy. The corpus is a folder of
 * `<name>.jsonl` (hook payloads, one per line) + `<name>.labels.json`:
 * `{ "source", "intent", "findings": { "<tool_use_id>": ["<category>", …] } }`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { PolicyEngine } from './engine.js';
import { PolicyError } from './errors.js';
import { parseHookLines, replayHookEvents } from './replay.js';
import type { HookPayload, ReplayedSession } from './replay.js';

const labelsSchema = z
  .object({
    source: z.string().min(1),
    intent: z.string().min(1),
    findings: z.record(z.string(), z.array(z.string())).default({}),
    description: z.string().optional(),
  })
  .strict();

/** The labels of one corpus session. */
export type SessionLabels = z.infer<typeof labelsSchema>;

/** One labeled session of the corpus. */
export interface CorpusSession {
  readonly name: string;
  readonly payloads: readonly HookPayload[];
  readonly labels: SessionLabels;
}

/** Reads every `<name>.jsonl` + `<name>.labels.json` pair of a folder (sorted by name). */
export function loadCorpus(directory: string): CorpusSession[] {
  const names = readdirSync(directory)
    .filter((file) => file.endsWith('.jsonl'))
    .map((file) => file.slice(0, -'.jsonl'.length))
    .sort();
  return names.map((name) => {
    const eventsFile = join(directory, `${name}.jsonl`);
    const labelsFile = join(directory, `${name}.labels.json`);
    let labelsText: string;
    try {
      labelsText = readFileSync(labelsFile, 'utf8');
    } catch {
      throw new PolicyError(`${labelsFile}: missing (every session needs its labels)`, {
        file: labelsFile,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(labelsText);
    } catch (error) {
      throw new PolicyError(`${labelsFile}: not JSON: ${(error as Error).message}`, {
        file: labelsFile,
      });
    }
    const parsed = labelsSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PolicyError(`${labelsFile}: field "${issue.path.join('.')}": ${issue.message}`, {
        file: labelsFile,
        field: issue.path.join('.'),
      });
    }
    return {
      name,
      payloads: parseHookLines(readFileSync(eventsFile, 'utf8'), eventsFile),
      labels: parsed.data,
    };
  });
}

/** Counts and scores of one category. */
export interface CategoryScore {
  readonly category: string;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  /** 1 when nothing was predicted (no false positive is possible). */
  readonly precision: number;
  /** 1 when nothing was expected. */
  readonly recall: number;
}

/** A disagreement between the policy and the labels. */
export interface Mismatch {
  readonly session: string;
  readonly toolUseId?: string;
  readonly expected: readonly string[] | string;
  readonly actual: readonly string[] | string;
}

/** The result of an evaluation. */
export interface EvaluationReport {
  readonly sessions: number;
  readonly categories: readonly CategoryScore[];
  readonly overall: CategoryScore;
  readonly intentAccuracy: number;
  readonly intentCorrect: number;
  readonly findingMismatches: readonly Mismatch[];
  readonly intentMismatches: readonly Mismatch[];
  readonly replayed: readonly ReplayedSession[];
}

function score(category: string, tp: number, fp: number, fn: number): CategoryScore {
  return {
    category,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
  };
}

/** Replays each session through `engine` and compares with the labels. */
export function evaluateCorpus(
  corpus: readonly CorpusSession[],
  engine: PolicyEngine,
): EvaluationReport {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const count = (category: string): { tp: number; fp: number; fn: number } => {
    let entry = counts.get(category);
    if (!entry) {
      entry = { tp: 0, fp: 0, fn: 0 };
      counts.set(category, entry);
    }
    return entry;
  };
  const findingMismatches: Mismatch[] = [];
  const intentMismatches: Mismatch[] = [];
  const replayed: ReplayedSession[] = [];
  let intentCorrect = 0;
  for (const session of corpus) {
    const [result] = replayHookEvents(session.payloads, engine, { source: session.name });
    if (!result) continue;
    replayed.push(result);
    const predicted = new Map<string, Set<string>>();
    for (const finding of result.findings) {
      const set = predicted.get(finding.tool_use_id) ?? new Set<string>();
      set.add(finding.category);
      predicted.set(finding.tool_use_id, set);
    }
    const ids = new Set([...result.tool_use_ids, ...Object.keys(session.labels.findings)]);
    for (const id of ids) {
      const expected = new Set(session.labels.findings[id] ?? []);
      const actual = predicted.get(id) ?? new Set<string>();
      for (const category of new Set([...expected, ...actual])) {
        const entry = count(category);
        if (expected.has(category) && actual.has(category)) entry.tp += 1;
        else if (actual.has(category)) entry.fp += 1;
        else entry.fn += 1;
      }
      const sortedExpected = [...expected].sort();
      const sortedActual = [...actual].sort();
      if (sortedExpected.join() !== sortedActual.join()) {
        findingMismatches.push({
          session: session.name,
          toolUseId: id,
          expected: sortedExpected,
          actual: sortedActual,
        });
      }
    }
    if (result.intent.category === session.labels.intent) intentCorrect += 1;
    else
      intentMismatches.push({
        session: session.name,
        expected: session.labels.intent,
        actual: result.intent.category,
      });
  }
  const categories = [...counts.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([category, entry]) => score(category, entry.tp, entry.fp, entry.fn));
  const totals = categories.reduce(
    (sum, category) => ({
      tp: sum.tp + category.truePositives,
      fp: sum.fp + category.falsePositives,
      fn: sum.fn + category.falseNegatives,
    }),
    { tp: 0, fp: 0, fn: 0 },
  );
  return {
    sessions: corpus.length,
    categories,
    overall: score('overall', totals.tp, totals.fp, totals.fn),
    intentAccuracy: corpus.length === 0 ? 0 : intentCorrect / corpus.length,
    intentCorrect,
    findingMismatches,
    intentMismatches,
    replayed,
  };
}
