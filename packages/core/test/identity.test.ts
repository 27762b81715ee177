import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fingerprintValue } from '@agent-otel/secrets';
import {
  credentialId,
  credentialsUsedByCommand,
  discoverCredentials,
  installationKey,
  ownerAttributes,
  resolveOwner,
} from '../src/identity.js';
import { parseShellCommand, unwrapCommand } from '../src/shell.js';

const root = mkdtempSync(join(tmpdir(), 'agent-otel-identity-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
const KEY = 'identity-test-key';
const TOKEN = 'ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d';

describe('installationKey', () => {
  it('is created once, 0600, and reused; AGENT_OTEL_FINGERPRINT_KEY overrides it', () => {
    const stateDir = join(root, 'state');
    const first = installationKey(stateDir, {});
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(installationKey(stateDir, {}), first);
    assert.equal(statSync(join(stateDir, 'fingerprint.key')).mode & 0o777, 0o600);
    assert.equal(installationKey(stateDir, { AGENT_OTEL_FINGERPRINT_KEY: 'k' }), 'k');
  });
});

describe('owner', () => {
  it('a configured owner wins and says where it came from; else git, else the OS user', () => {
    assert.deepEqual(
      ownerAttributes(
        resolveOwner({ configured: { value: 'a@example.com', source: 'env' }, cwd: root }),
      ),
      {
        'user.id': 'a@example.com',
        'user.email': 'a@example.com',
        'user.name': undefined,
        'agent.owner.source': 'env',
      },
    );
    const repo = join(root, 'repo');
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('git', ['-C', repo, 'config', 'user.email', 'git@example.com']);
    execFileSync('git', ['-C', repo, 'config', 'user.name', 'Git User']);
    const git = resolveOwner({ cwd: repo });
    assert.equal(git.source, 'git');
    assert.equal(git.id, 'git@example.com');
    assert.equal(git.name, 'Git User');
  });
});

describe('discoverCredentials', () => {
  it('finds token variables, AWS profiles, the kube context, gh/npm tokens and MCP credentials — as fingerprints only', () => {
    const home = join(root, 'home');
    const cwd = join(root, 'project');
    mkdirSync(join(home, '.aws'), { recursive: true });
    mkdirSync(join(home, '.kube'), { recursive: true });
    mkdirSync(join(home, '.config', 'gh'), { recursive: true });
    mkdirSync(cwd, { recursive: true });
    writeFileSync(
      join(home, '.aws', 'credentials'),
      '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n[prod]\naws_access_key_id = x\n',
    );
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\ncurrent-context: prod-cluster\n');
    writeFileSync(
      join(home, '.config', 'gh', 'hosts.yml'),
      'github.com:\n    oauth_token: gho_16C7e42F292c6912E7710c838347Ae178B4a\n',
    );
    writeFileSync(
      join(home, '.npmrc'),
      '//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n',
    );
    writeFileSync(
      join(cwd, '.mcp.json'),
      JSON.stringify({
        mcpServers: { db: { command: 'x', env: { DB_PASSWORD: 'hunter2-very-secret' } } },
      }),
    );
    const found = discoverCredentials({
      env: { GITHUB_TOKEN: TOKEN, ANTHROPIC_API_KEY: 'sk-ant-api03-xyz', PATH: '/bin' },
      home,
      cwd,
      key: KEY,
    });
    const expected = [
      credentialId('github_token', TOKEN, KEY),
      credentialId('anthropic_api_key', 'sk-ant-api03-xyz', KEY),
      credentialId('aws_profile', 'default', KEY),
      credentialId('aws_profile', 'prod', KEY),
      credentialId('kube_context', 'prod-cluster', KEY),
      credentialId('github_token', 'gho_16C7e42F292c6912E7710c838347Ae178B4a', KEY),
      credentialId('npm_token', 'npm_abcdefghijklmnopqrstuvwxyz0123456789', KEY),
      credentialId('mcp_credential', 'db\u0000hunter2-very-secret', KEY),
    ].sort();
    assert.deepEqual(found.credentials, expected);
    assert.equal(
      credentialId('github_token', TOKEN, KEY),
      `github_token:${fingerprintValue(TOKEN, KEY)}`,
    );
    assert.deepEqual(found.defaults, {
      github_token: credentialId('github_token', TOKEN, KEY),
      aws_profile: credentialId('aws_profile', 'default', KEY),
      kube_context: credentialId('kube_context', 'prod-cluster', KEY),
    });
    const serialized = JSON.stringify(found);
    for (const secret of [TOKEN, 'hunter2', 'gho_16C7', 'npm_abc', 'prod-cluster'])
      assert.ok(!serialized.includes(secret));
    assert.equal(readFileSync(join(home, '.npmrc'), 'utf8').length > 0, true);
  });
});

describe('credentialsUsedByCommand', () => {
  function use(
    command: string,
    previous: Record<string, string>,
    defaults: Record<string, string> = {},
  ) {
    const commands = parseShellCommand(command).map((simple) => unwrapCommand(simple.words));
    return credentialsUsedByCommand({ command, commands, defaults, previous, key: KEY });
  }

  it('aws --profile and AWS_PROFILE=: a second profile is a switch', () => {
    const previous: Record<string, string> = {};
    const defaults = { aws_profile: credentialId('aws_profile', 'default', KEY) };
    assert.deepEqual(use('aws s3 ls', previous, defaults), {
      used: [defaults.aws_profile],
      switchedKinds: [],
    });
    assert.deepEqual(use('aws --profile prod s3 ls', previous, defaults), {
      used: [credentialId('aws_profile', 'prod', KEY)],
      switchedKinds: ['aws_profile'],
    });
    assert.deepEqual(use('AWS_PROFILE=prod aws sts get-caller-identity', previous, defaults), {
      used: [credentialId('aws_profile', 'prod', KEY)],
      switchedKinds: [],
    });
  });

  it('kubectl --context, gh with a token in the command', () => {
    const previous: Record<string, string> = {};
    const defaults = { kube_context: credentialId('kube_context', 'dev', KEY) };
    assert.deepEqual(use('kubectl --context prod get pods', previous, defaults).switchedKinds, [
      'kube_context',
    ]);
    const withToken = use(
      `GH_TOKEN=${TOKEN} gh repo list`,
      {},
      { github_token: credentialId('github_token', 'other', KEY) },
    );
    assert.ok(withToken.used.includes(credentialId('github_token', TOKEN, KEY)));
    assert.deepEqual(withToken.switchedKinds, ['github_token']);
    assert.deepEqual(use('ls -la', {}), { used: [], switchedKinds: [] });
  });
});
