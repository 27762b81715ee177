/**
 * The engine skips rules it can decide without CEL (baseline shortcut, tool-only outcomes per
 * tool input, false-when prefilters: top-level `&&`/`||` parts, `exists` over an empty list,
 * the programs a `tool.commands.exists` needs, a string field compared with a literal). These
 * tests give rules of each shape calls that must and must not match, so a prefilter that
 * skipped a rule it should not have fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldsRead } from '../src/engine.js';
import { loadPolicy, replayHookEvents } from '../src/index.js';
import { WORKSPACE, bash, hookPayloads, read } from './helpers.js';

const POLICY = `version: 1
rulesets:
  - name: shapes
    version: "1"
    rules:
      - id: git-push
        description: exists over commands with a program test in an && part
        severity: low
        category: reconnaissance
        when: 'tool.commands.exists(c, c.program == "git" && "push" in c.operands)'
      - id: listed-program
        description: a program list in one || alternative, a plain test in the other
        severity: low
        category: reconnaissance
        when: 'tool.commands.exists(c, c.program in ["whoami", "id"] || (c.program == "uname" && "-a" in c.flags))'
      - id: any-command-line
        description: exists without a program test (no program prefilter)
        severity: low
        category: reconnaissance
        when: 'tool.commands.exists(c, c.line.contains("secret"))'
      - id: read-after-calls
        description: an || whose second part reads the session
        severity: low
        category: reconnaissance
        when: 'tool.category == "network" || (session.call_count > 2 && tool.category == "read")'
      - id: late-read
        description: an && of a tool part and a session part (at its baseline on the first call)
        severity: low
        category: reconnaissance
        when: 'tool.category == "read" && session.call_count > 2'
      - id: delete-workspace
        description: exists over an empty list reading a session field that is set
        severity: low
        category: destruction
        when: 'tool.deleted_paths.exists(p, p == session.workspace) && session.workspace != ""'
      - id: conditional
        description: a top-level conditional is not split
        severity: low
        category: reconnaissance
        when: 'tool.category == "read" ? tool.paths.size() > 1 : tool.category == "mcp"'
      - id: named-tool
        description: string equalities in an && (the equals prefilter), one with a space
        severity: low
        category: destruction
        when: 'tool.name == "ExitWorktree" && tool.target == "remove discard_changes"'
      - id: session-in-a-string
        description: a variable name inside a string literal is no variable
        severity: low
        category: credential_access
        when: 'tool.command.matches("get-session-token")'
`;

describe('policy engine prefilters', () => {
  it('skip only rules that cannot match', () => {
    const engine = loadPolicy({ text: POLICY });
    const calls = [
      read(`${WORKSPACE}/a.ts`),
      bash('git status'),
      bash('git push origin main'),
      bash('ls -la'),
      read(`${WORKSPACE}/b.ts`),
      { tool: 'WebFetch', input: { url: 'https://example.com/docs', prompt: 'read' } },
      bash('uname -a'),
      bash('uname -r'),
      bash('sudo whoami'),
      bash('cat secret.txt'),
      bash(`rm -rf ${WORKSPACE}`),
      bash('aws sts get-session-token'),
      { tool: 'Grep', input: { pattern: 'x', path: `${WORKSPACE}/src` } },
      bash('git push origin main'),
      // The first call's input again, now that the session has calls: the rules left out for
      // these facts are left out by what the facts alone say, never by the session then.
      read(`${WORKSPACE}/a.ts`),
      { tool: 'ExitWorktree', input: { action: 'keep' } },
      { tool: 'ExitWorktree', input: { action: 'remove', discard_changes: true } },
    ];
    // Twice: the second session reuses every remembered outcome.
    for (const session of ['first', 'second']) {
      const [replayed] = replayHookEvents(hookPayloads(calls, session), engine);
      const byCall = new Map<string, string[]>();
      for (const finding of replayed!.findings) {
        const list = byCall.get(finding.tool_use_id) ?? [];
        list.push(finding.rule_id);
        byCall.set(finding.tool_use_id, list);
      }
      const rulesOf = (index: number) => (byCall.get(`toolu_${index}`) ?? []).sort();
      assert.deepEqual(rulesOf(0), []);
      assert.deepEqual(rulesOf(1), []);
      assert.deepEqual(rulesOf(2), ['git-push']);
      assert.deepEqual(rulesOf(3), []);
      assert.deepEqual(rulesOf(4), ['late-read', 'read-after-calls']);
      assert.deepEqual(rulesOf(5), ['read-after-calls']);
      assert.deepEqual(rulesOf(6), ['listed-program']);
      assert.deepEqual(rulesOf(7), []);
      assert.deepEqual(rulesOf(8), ['listed-program']);
      assert.deepEqual(rulesOf(9), ['any-command-line']);
      assert.deepEqual(rulesOf(10), ['delete-workspace']);
      assert.deepEqual(rulesOf(11), ['session-in-a-string']);
      assert.deepEqual(rulesOf(12), ['late-read', 'read-after-calls']);
      assert.deepEqual(rulesOf(13), ['git-push']);
      assert.deepEqual(rulesOf(14), ['late-read', 'read-after-calls']);
      assert.deepEqual(rulesOf(15), []);
      assert.deepEqual(rulesOf(16), ['named-tool']);
    }
  });

  it('reads no variable names inside string literals', () => {
    assert.deepEqual(fieldsRead(['tool.command.matches("get-session-token")']), ['tool.command']);
    assert.equal(fieldsRead(['tool["command"] == "x"']), undefined);
    assert.equal(fieldsRead(['session == "x"']), undefined);
  });
});
