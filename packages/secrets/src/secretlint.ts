/**
 * Drives the rules of `@secretlint/secretlint-rule-preset-recommend` (v12.0, the last that
 * runs on Node 20) synchronously on a string. secretlint's own runner is asynchronous and
 * file-oriented; the hook, span processors' `onEnd` and the collector's hot path need a
 * synchronous call, and each rule's `file(source)` handler is synchronous for text content.
 * So we give each rule a minimal context (`createTranslator`, `report`) and collect what it
 * reports: the rules keep their own regexes, placeholders and allow lists.
 */
import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import type { RawFinding } from './internal-types.js';

/** The part of secretlint's rule API that the recommended rules use. */
interface TranslatedMessage {
  readonly messageId: string;
}
interface RuleReport {
  readonly message: TranslatedMessage;
  readonly range: readonly [number, number];
}
interface RuleContext {
  createTranslator(messages: unknown): (messageId: string, data?: unknown) => TranslatedMessage;
  report(report: RuleReport): void;
  ignore(report: unknown): void;
}
interface RuleSource {
  readonly content: string;
  readonly filePath?: string;
  readonly ext: string;
  readonly contentType: 'text';
}
interface RuleHandlers {
  file?(source: RuleSource): unknown;
}
interface RuleCreator {
  readonly meta: { readonly id: string };
  create(context: RuleContext, options: Record<string, unknown>): RuleHandlers;
}

/** secretlint message id → our secret type. Unlisted message ids are not secrets (AWS account ids). */
const TYPE_BY_MESSAGE_ID: Readonly<Record<string, string>> = {
  AWSSecretAccessKey: 'aws_secret_access_key',
  AWSAccessKeyID: 'aws_access_key_id',
  PrivateKeyJSON: 'gcp_service_account_key',
  PrivateKeyP12: 'gcp_service_account_key',
  PackageJSON_xOauthToken: 'github_token',
  Npmrc_authToken: 'npm_token',
  NPM_ACCESS_TOKEN: 'npm_token',
  SLACK_TOKEN: 'slack_token',
  IncomingWebhook: 'slack_webhook_url',
  BasicAuth: 'basic_auth',
  OPENAI_TOKEN: 'openai_api_key',
  ANTHROPIC_API_KEY: 'anthropic_api_key',
  GROQ_API_KEY: 'groq_api_key',
  HUGGINGFACE_USER_ACCESS_TOKEN: 'huggingface_token',
  LINEAR_API_TOKEN: 'linear_api_key',
  NOTION_INTEGRATION_TOKEN: 'notion_token',
  PrivateKey: 'private_key',
  SENDGRID_KEY: 'sendgrid_api_key',
  SHOPIFY_KEY: 'shopify_token',
  GITHUB_TOKEN: 'github_token',
  GITLAB_PERSONAL_ACCESS_TOKEN: 'gitlab_token',
  GRAFANA_CLOUD_API_TOKEN: 'grafana_token',
  GRAFANA_SERVICE_ACCOUNT_TOKEN: 'grafana_token',
  OPS_TOKEN: 'onepassword_token',
  MongoDBConnection: 'database_url_password',
  MySQLConnection: 'database_url_password',
  PostgreSQLConnection: 'database_url_password',
  HASHICORP_VAULT_SERVICE_TOKEN: 'vault_token',
  HASHICORP_VAULT_BATCH_TOKEN: 'vault_token',
  HASHICORP_VAULT_RECOVERY_TOKEN: 'vault_token',
  VERCEL_PERSONAL_ACCESS_TOKEN: 'vercel_token',
  VERCEL_INTEGRATION_TOKEN: 'vercel_token',
  VERCEL_APP_ACCESS_TOKEN: 'vercel_token',
  VERCEL_APP_REFRESH_TOKEN: 'vercel_token',
  VERCEL_AI_GATEWAY_API_KEY: 'vercel_token',
  DATABRICKS_PERSONAL_ACCESS_TOKEN: 'databricks_token',
  DOCKER_PERSONAL_ACCESS_TOKEN: 'docker_token',
  FIGMA_PERSONAL_ACCESS_TOKEN: 'figma_token',
};

/**
 * Rules left out: `filter-comments` turns detection off inside `secretlint-disable` comments,
 * which an agent (or a prompt injection) could write to hide a secret from us.
 */
const SKIPPED_RULES = new Set(['@secretlint/secretlint-rule-filter-comments']);

/**
 * Rule options. The AWS rule's `enableIDScanRule` also turns on its account-id scan, whose
 * pattern can start at any character and was the costliest regex of a scan (measured with
 * bench:policy-eval) while an account id is no secret; access key ids are found by
 * `detectors.ts` instead.
 */
const RULE_OPTIONS: Readonly<Record<string, Record<string, unknown>>> = {};

/** Reports land here while one scan runs (scans are synchronous, so one sink suffices). */
let sink: RuleReport[] = [];

const context: RuleContext = {
  createTranslator: () => (messageId) => ({ messageId }),
  report: (report) => {
    sink.push(report);
  },
  ignore: () => {},
};

let handlers: RuleHandlers[] | undefined;

function ruleHandlers(): RuleHandlers[] {
  handlers ??= (presetRules as unknown as readonly RuleCreator[])
    .filter((rule) => !SKIPPED_RULES.has(rule.meta.id))
    .map((rule) => rule.create(context, { allows: [], ...RULE_OPTIONS[rule.meta.id] }));
  return handlers;
}

/** For URL-shaped credentials, report the password only, so redaction keeps the host. */
const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:([^@/\s]+)@/i;
/** The 40-character value after `aws_secret_access_key =`. */
const AWS_SECRET_VALUE = /(?:=>|[:=])\s*["']?([A-Za-z0-9/+=]{40})/;
/** For a GCP service-account JSON, report the private key value, not the whole file. */
const GCP_PRIVATE_KEY = /"private_key"\s*:\s*"((?:[^"\\]|\\.)*)"/;

function narrowRange(type: string, content: string, start: number, end: number): [number, number] {
  if (type === 'database_url_password' || type === 'basic_auth') {
    const match = URL_PASSWORD.exec(content.slice(start, end));
    if (match?.[1]) {
      const offset = start + match[0].length - 1 - match[1].length;
      return [offset, offset + match[1].length];
    }
  }
  if (type === 'aws_secret_access_key') {
    // The preset reports the key name's offset with the value's length; find the value.
    const match = AWS_SECRET_VALUE.exec(content.slice(start, end + 120));
    if (match?.[1]) {
      const offset = start + match.index + match[0].length - match[1].length;
      return [offset, offset + match[1].length];
    }
  }
  if (type === 'gcp_service_account_key') {
    const match = GCP_PRIVATE_KEY.exec(content.slice(start, end));
    if (match?.[1] !== undefined) {
      const offset = start + match.index + match[0].length - 1 - match[1].length;
      return [offset, offset + match[1].length];
    }
  }
  return [start, end];
}

/** Every secret the recommended secretlint rules find in `content`. */
export function secretlintFindings(content: string): RawFinding[] {
  // The GCP rule looks only at `.json` sources; other rules ignore the extension.
  const ext = /^\s*\{/.test(content) ? '.json' : '';
  const source: RuleSource = { content, ext, contentType: 'text' };
  const reports: RuleReport[] = [];
  sink = reports;
  try {
    for (const handler of ruleHandlers()) handler.file?.(source);
  } finally {
    sink = [];
  }
  const findings: RawFinding[] = [];
  for (const report of reports) {
    const type = TYPE_BY_MESSAGE_ID[report.message.messageId];
    if (type === undefined) continue;
    const [start, end] = narrowRange(type, content, report.range[0], report.range[1]);
    // URL credentials are structural (any token may be the password); vendor formats are specific.
    const priority = type === 'database_url_password' || type === 'basic_auth' ? 2 : 3;
    if (end > start) findings.push({ type, start, end, priority });
  }
  return findings;
}
