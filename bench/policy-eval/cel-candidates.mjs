// Compares the two CEL implementations considered for policy rules: @bufbuild/cel and
// @marcbachmann/cel-js (the one we use). Both need to be importable; the workspace installs
// only cel-js, so run it from a scratch folder:
//   mkdir /tmp/cel && cd /tmp/cel && npm init -y && npm i @bufbuild/cel@0.6.1 @marcbachmann/cel-js@8.0.0
//   cp <repo>/bench/policy-eval/cel-candidates.mjs . && node cel-candidates.mjs
// It compiles ten rules shaped like the recommended ruleset's and evaluates them on one view.
import { celEnv, parse as parseBuf, plan } from '@bufbuild/cel';
import { Environment } from '@marcbachmann/cel-js';

const rules = [
  String.raw`tool.category == "execute" && tool.target.matches("(^|[;&|]\\s*)rm\\s+-[a-zA-Z]*[rR][a-zA-Z]*f") && !tool.target.matches("node_modules|dist|build")`,
  'session.secret_types.size() > 0 && tool.category == "network"',
  String.raw`tool.paths.exists(p, p.matches("/\\.ssh/id_|/\\.aws/credentials$|/\\.env$"))`,
  'tool.secret_types.size() > 0',
  'tool.mcp_server != "" && !(tool.mcp_server in scope.mcp_servers)',
  'tool.identity_switched',
  String.raw`tool.target.matches("--no-verify|chmod\\s+(-R\\s+)?777|curl[^|]*\\|\\s*(ba)?sh")`,
  'tool.hosts.exists(h, !(h in session.hosts))',
  'tool.category == "write" && tool.outside_writes.size() > 0',
  String.raw`tool.target.matches("^(env|printenv)$|\\bwhoami\\b|cat /etc/passwd|\\bnetstat\\b|\\bps aux")`,
];
const view = {
  tool: {
    category: 'execute',
    target: 'rm -rf node_modules && npm ci',
    paths: ['/home/dev/app/node_modules'],
    secret_types: [],
    mcp_server: '',
    identity_switched: false,
    hosts: ['registry.npmjs.org'],
    outside_writes: [],
  },
  session: { secret_types: ['github_token'], hosts: ['github.com'] },
  scope: { mcp_servers: ['fs'] },
};

function microseconds(action, count) {
  const start = process.hrtime.bigint();
  for (let index = 0; index < count; index += 1) action(index);
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

const results = {};
const environment = new Environment({ unlistedVariablesAreDyn: true });
const celJs = rules.map((rule) => environment.parse(rule));
results['@marcbachmann/cel-js'] = {
  compilePerRuleMicros: microseconds(
    (index) => environment.parse(rules[index % rules.length]),
    2000,
  ),
  evalTenRulesMicros: microseconds(() => celJs.forEach((rule) => rule(view)), 20000),
  results: celJs.map((rule) => rule(view)),
};
const bufEnvironment = celEnv();
const buf = rules.map((rule) => plan(bufEnvironment, parseBuf(rule)));
results['@bufbuild/cel'] = {
  compilePerRuleMicros: microseconds(
    (index) => plan(bufEnvironment, parseBuf(rules[index % rules.length])),
    2000,
  ),
  evalTenRulesMicros: microseconds(() => buf.forEach((rule) => rule(view)), 20000),
  results: buf.map((rule) => rule(view)),
};
console.log(JSON.stringify(results, null, 2));
