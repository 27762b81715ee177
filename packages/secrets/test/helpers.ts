import { createHash } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A deterministic random-looking string: test secrets are built, never committed as literals. */
export function token(seed: string, length: number, alphabet = ALNUM): string {
  let out = '';
  let block = 0;
  while (out.length < length) {
    const bytes = createHash('sha256').update(`${seed}:${block++}`).digest();
    for (const byte of bytes) {
      if (out.length === length) break;
      out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

const BASE64 = ALNUM + '+/';

/** A PEM private key block of `lines` 64-character lines (starts with `MII`, as DER keys do). */
export function pemKey(seed: string, label = 'RSA PRIVATE KEY', lines = 12): string {
  const body = ('MII' + token(seed, 64 * lines - 3, BASE64)).replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** One planted secret per type: the text around it and the secret value itself. */
export function plantedSecrets(): { type: string; text: string; value: string }[] {
  const github = 'ghp_' + token('github', 36);
  const gitlab = 'glpat-' + token('gitlab', 20);
  const npm = 'npm_' + token('npm', 36);
  const akid = 'AKIA' + token('akid', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
  const awsSecret = token('aws-secret', 40, BASE64);
  const anthropic = 'sk-ant-api03-' + token('anthropic', 93) + 'AA';
  const anthropicOauth = 'sk-ant-oat01-' + token('anthropic-oauth', 80);
  const openai = 'sk-proj-' + token('openai', 74) + 'T3BlbkFJ' + token('openai2', 74);
  const openaiNew = 'sk-proj-' + token('openai-new', 64);
  const slack = `xoxb-${token('s1', 12, '0123456789')}-${token('s2', 13, '0123456789')}-${token('s3', 24)}`;
  const webhook = `https://hooks.slack.com/services/T${token('w1', 8)}/B${token('w2', 8)}/${token('w3', 24)}`;
  const pem = pemKey('pem');
  const gcpKey = pemKey('gcp', 'PRIVATE KEY').replace(/\n/g, '\\n');
  const dbPassword = 'S3cr3t-' + token('db', 8);
  const basicPassword = 'Zx8q' + token('basic', 8);
  const bearer = token('bearer', 40);
  const jwt = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${token('jwt', 43)}`;
  const generic = token('generic', 24);
  const sendgrid = `SG.${token('sg1', 22)}.${token('sg2', 43)}`;
  return [
    { type: 'github_token', text: `export GITHUB_TOKEN=${github}\n`, value: github },
    { type: 'gitlab_token', text: `git clone with ${gitlab} please`, value: gitlab },
    { type: 'npm_token', text: `//registry.npmjs.org/:_authToken=${npm}`, value: npm },
    { type: 'aws_access_key_id', text: `aws_access_key_id = ${akid}\n`, value: akid },
    {
      type: 'aws_secret_access_key',
      text: `[default]\naws_secret_access_key = ${awsSecret}\n`,
      value: awsSecret,
    },
    {
      type: 'gcp_service_account_key',
      text: `{"type": "service_account", "project_id": "p", "private_key_id": "${token('kid', 40, '0123456789abcdef')}", "private_key": "${gcpKey}", "client_email": "x@p.iam.gserviceaccount.com"}`,
      value: gcpKey,
    },
    { type: 'anthropic_api_key', text: `ANTHROPIC_API_KEY=${anthropic}`, value: anthropic },
    { type: 'anthropic_api_key', text: `oauth: ${anthropicOauth}`, value: anthropicOauth },
    { type: 'openai_api_key', text: `OPENAI_API_KEY="${openai}"`, value: openai },
    { type: 'openai_api_key', text: `key ${openaiNew} end`, value: openaiNew },
    { type: 'slack_token', text: `SLACK_BOT=${slack}`, value: slack },
    { type: 'slack_webhook_url', text: `curl -X POST ${webhook}`, value: webhook },
    { type: 'private_key', text: `$ cat ~/.ssh/id_rsa\n${pem}`, value: pem.trim() },
    {
      type: 'database_url_password',
      text: `DATABASE_URL=postgres://app:${dbPassword}@db.internal:5432/prod`,
      value: dbPassword,
    },
    {
      type: 'basic_auth',
      text: `git remote add origin https://deploy:${basicPassword}@git.acme-corp.net/repo.git`,
      value: basicPassword,
    },
    {
      type: 'bearer_token',
      text: `curl -H "Authorization: Bearer ${bearer}" https://api.acme-corp.net`,
      value: bearer,
    },
    { type: 'jwt', text: `session cookie: ${jwt};`, value: jwt },
    { type: 'sendgrid_api_key', text: `SENDGRID=${sendgrid}`, value: sendgrid },
    { type: 'generic_secret', text: `{"client_secret": "${generic}"}`, value: generic },
  ];
}
