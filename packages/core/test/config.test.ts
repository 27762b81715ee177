import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultStateDir, loadConfig, parseKeyValueList } from '../src/config.js';

const root = mkdtempSync(join(tmpdir(), 'agent-otel-config-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function layout(name: string): { project: string; configHome: string; env: NodeJS.ProcessEnv } {
  const base = join(root, name);
  const project = join(base, 'project');
  const configHome = join(base, 'config');
  mkdirSync(project, { recursive: true });
  mkdirSync(join(configHome, 'agent-otel'), { recursive: true });
  return { project, configHome, env: { HOME: base, XDG_CONFIG_HOME: configHome } };
}

describe('loadConfig', () => {
  it('defaults: no endpoint, capture off, fail open, the XDG state dir', async () => {
    const { project, env } = layout('defaults');
    const config = await loadConfig({ env, projectDir: project });
    assert.deepEqual(config, {
      headers: {},
      serviceName: 'agent-otel',
      resourceAttributes: {},
      captureContent: false,
      contentMaxLength: 8192,
      stateDir: defaultStateDir(env),
      failClosed: false,
      deny: [],
      sessionTimeoutSeconds: 3600,
      files: [],
      problems: [],
    });
    assert.equal(defaultStateDir(env), join(env.HOME!, '.local', 'state', 'agent-otel'));
  });

  it('layers: AGENT_OTEL_* > plugin options > AGENT_OTEL_CONFIG > project file > user file > OTEL_*', async () => {
    const { project, configHome, env } = layout('layers');
    writeFileSync(
      join(configHome, 'agent-otel', 'config.yaml'),
      'endpoint: http://user-file:4318\nowner: user-file@example.com\nserviceName: from-user-file\nheaders: {a: user, b: user}\ndeny:\n  - tool: Bash\n',
    );
    writeFileSync(
      join(project, '.agent-otel.yaml'),
      'endpoint: http://project-file:4318\ncontentMaxLength: 100\nheaders: b=project\ndeny:\n  - {tool: Write, pattern: "\\\\.env$"}\n',
    );
    const explicit = join(root, 'layers', 'explicit.yaml');
    writeFileSync(explicit, 'sessionTimeoutSeconds: 60\n');
    const full = await loadConfig({
      projectDir: project,
      env: {
        ...env,
        AGENT_OTEL_CONFIG: explicit,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'c=otel',
        OTEL_SERVICE_NAME: 'from-otel',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
        CLAUDE_PLUGIN_OPTION_ENDPOINT: 'http://plugin:4318',
        CLAUDE_PLUGIN_OPTION_CAPTURE_CONTENT: 'true',
        AGENT_OTEL_OWNER: 'env@example.com',
        AGENT_OTEL_HEADERS: 'a=env%20value',
      },
    });
    assert.equal(full.endpoint, 'http://plugin:4318');
    assert.equal(full.tracesUrl, 'http://plugin:4318/v1/traces');
    assert.equal(full.owner, 'env@example.com');
    assert.equal(full.ownerSource, 'env');
    assert.equal(full.captureContent, true);
    assert.equal(full.contentMaxLength, 100);
    assert.equal(full.sessionTimeoutSeconds, 60);
    assert.equal(full.serviceName, 'from-user-file');
    assert.deepEqual(full.headers, { a: 'env value', b: 'project', c: 'otel' });
    assert.deepEqual(full.resourceAttributes, { 'deployment.environment': 'test' });
    assert.deepEqual(full.deny, [{ tool: 'Write', pattern: '\\.env$' }, { tool: 'Bash' }]);
    assert.deepEqual(full.files, [
      explicit,
      join(project, '.agent-otel.yaml'),
      join(configHome, 'agent-otel', 'config.yaml'),
    ]);
    assert.deepEqual(full.problems, []);

    const fileOwner = await loadConfig({ env, projectDir: project });
    assert.equal(fileOwner.owner, 'user-file@example.com');
    assert.equal(fileOwner.ownerSource, 'config');
    assert.equal(fileOwner.endpoint, 'http://project-file:4318');
  });

  it('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as the full URL', async () => {
    const { project, env } = layout('traces');
    const config = await loadConfig({
      projectDir: project,
      env: { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom/traces' },
    });
    assert.equal(config.tracesUrl, 'http://collector:4318/custom/traces');
  });

  it('a bad file, a missing AGENT_OTEL_CONFIG and bad values are one problem line each, never a throw', async () => {
    const { project, configHome, env } = layout('bad');
    writeFileSync(join(project, '.agent-otel.yaml'), 'endpoint: [unclosed\n');
    writeFileSync(
      join(configHome, 'agent-otel', 'config.yaml'),
      'captureContent: maybe\nbogus: 1\n',
    );
    const config = await loadConfig({
      projectDir: project,
      env: {
        ...env,
        AGENT_OTEL_CONFIG: join(project, 'missing.yaml'),
        AGENT_OTEL_CAPTURE_CONTENT: 'sometimes',
        AGENT_OTEL_CONTENT_MAX_LENGTH: '-3',
        AGENT_OTEL_ENDPOINT: 'not a url',
      },
    });
    assert.equal(config.problems.length, 6, config.problems.join('\n'));
    assert.match(
      config.problems[0]!,
      /^AGENT_OTEL_CAPTURE_CONTENT: expected true or false, got 'sometimes'$/,
    );
    assert.match(
      config.problems[1]!,
      /^AGENT_OTEL_CONTENT_MAX_LENGTH: expected a positive integer/,
    );
    assert.match(config.problems[2]!, /missing\.yaml \(AGENT_OTEL_CONFIG\): file not found$/);
    assert.match(config.problems[3]!, /\.agent-otel\.yaml: not valid YAML: /);
    assert.match(config.problems[4]!, /config\.yaml: captureContent: /);
    assert.match(config.problems[5]!, /^endpoint 'not a url' is not a URL$/);
    assert.equal(config.captureContent, false);
    assert.equal(config.tracesUrl, undefined);
    assert.ok(config.problems.every((problem) => !problem.includes('\n')));
  });

  it('parseKeyValueList reads the OTEL_EXPORTER_OTLP_HEADERS format', () => {
    assert.deepEqual(parseKeyValueList('a=1, b = two%2C3 ,bad, =x,c=d=e'), {
      a: '1',
      b: 'two,3',
      c: 'd=e',
    });
  });
});
