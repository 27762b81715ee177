/** Options of `findSecrets` and `redactSecrets`. Every field is optional. */
export interface SecretScanOptions {
  /**
   * Key of the keyed fingerprint (HMAC-SHA256) of each finding: the installation's key, so a
   * secret has the same fingerprint wherever agent-otel sees it on that installation.
   * Default: a random key generated once per process (fingerprints then compare only within
   * the process).
   */
  fingerprintKey?: string | Uint8Array;
  /** Exact values never reported (known test tokens, for example). Default: none. */
  allow?: readonly string[];
  /**
   * Report `key=value` / `"key": "value"` pairs whose key names a secret (password, token,
   * api_key, …) and whose value looks random. Default: true.
   */
  entropy?: boolean;
  /**
   * Minimum Shannon entropy, in bits per character, of a value found by the `key=value`
   * detector. Default: 3.
   */
  minEntropy?: number;
}
