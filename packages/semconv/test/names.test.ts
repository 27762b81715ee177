import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  hookEventName,
  mcpSpanName,
  sessionSpanName,
  subagentSpanName,
  toolSpanName,
  turnSpanName,
} from '../src/names.js';

it('names spans as the convention says', () => {
  assert.equal(sessionSpanName('claude-code'), 'session claude-code');
  assert.equal(turnSpanName('claude-code'), 'invoke_agent claude-code');
  assert.equal(toolSpanName('Bash'), 'execute_tool Bash');
  assert.equal(subagentSpanName('Explore'), 'invoke_agent Explore');
  assert.equal(mcpSpanName('tools/call', 'get-sum'), 'tools/call get-sum');
  assert.equal(mcpSpanName('initialize'), 'initialize');
  assert.equal(hookEventName('PostToolBatch'), 'agent.hook.PostToolBatch');
});
