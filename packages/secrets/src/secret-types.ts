/**
 * The secret type vocabulary (snake_case). Shared with the identity code of
 * `@agent-otel/core`, whose credential kinds use the same names, and seen by policy rules in
 * `agent.data.secret.types`.
 */
export const SECRET_TYPES = [
  'github_token',
  'gitlab_token',
  'npm_token',
  'aws_access_key_id',
  'aws_secret_access_key',
  'gcp_service_account_key',
  'anthropic_api_key',
  'openai_api_key',
  'slack_token',
  'slack_webhook_url',
  'private_key',
  'database_url_password',
  'basic_auth',
  'bearer_token',
  'jwt',
  'sendgrid_api_key',
  'shopify_token',
  'grafana_token',
  'onepassword_token',
  'vault_token',
  'vercel_token',
  'databricks_token',
  'docker_token',
  'figma_token',
  'groq_api_key',
  'huggingface_token',
  'linear_api_key',
  'notion_token',
  'generic_secret',
] as const;

/** One secret type. */
export type SecretType = (typeof SECRET_TYPES)[number];

/** Whether a string is a known secret type. */
export function isSecretType(value: string): value is SecretType {
  return (SECRET_TYPES as readonly string[]).includes(value);
}
