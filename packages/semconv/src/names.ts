/**
 * Span-name helpers: one function per span kind, so every package names spans the same way.
 * Names follow the GenAI (`{operation} {name}`) and MCP (`{method} {target}`) conventions.
 */

/** `session claude-code`: the root span of an agent session. */
export function sessionSpanName(agentName: string): string {
  return `session ${agentName}`;
}

/** `invoke_agent claude-code`: one user prompt (turn). */
export function turnSpanName(agentName: string): string {
  return `invoke_agent ${agentName}`;
}

/** `execute_tool Bash`: one tool call. */
export function toolSpanName(toolName: string): string {
  return `execute_tool ${toolName}`;
}

/** `invoke_agent Explore`: a subagent, named by its type. */
export function subagentSpanName(agentType: string): string {
  return `invoke_agent ${agentType}`;
}

/**
 * `tools/call get-sum`, `resources/read file:///a.txt`, `initialize`: an MCP request, with its
 * target (tool name, prompt name or resource URI) when the method has one.
 */
export function mcpSpanName(method: string, target?: string): string {
  return target ? `${method} ${target}` : method;
}

/** `agent.hook.PostToolBatch`: the span event recording a hook event that is not a span. */
export function hookEventName(hookEventName: string): string {
  return `agent.hook.${hookEventName}`;
}
