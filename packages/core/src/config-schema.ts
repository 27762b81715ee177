/**
 * The zod schema of a config file (`.agent-otel.yaml`, `~/.config/agent-otel/config.yaml`).
 * Its own module so the hook loads zod only when a config file exists.
 */
import { z } from 'zod';

const stringMap = z.record(z.string(), z.string());

export const configFileSchema = z
  .object({
    endpoint: z.url().optional(),
    headers: z.union([z.string(), stringMap]).optional(),
    serviceName: z.string().min(1).optional(),
    resourceAttributes: z.union([z.string(), stringMap]).optional(),
    outputFile: z.string().min(1).optional(),
    owner: z.string().min(1).optional(),
    captureContent: z.boolean().optional(),
    contentMaxLength: z.number().int().positive().optional(),
    stateDir: z.string().min(1).optional(),
    failClosed: z.boolean().optional(),
    policy: z.string().min(1).optional(),
    sessionTimeoutSeconds: z.number().int().positive().optional(),
    deny: z
      .array(
        z
          .object({
            tool: z.string().min(1),
            pattern: z.string().min(1).optional(),
            reason: z.string().min(1).optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();
