/**
 * Environment configuration, validated with zod at the process boundary. Errors name the variable and what
 * is wrong with it, never its value (URLs may carry passwords).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const urlWithProtocols = (protocols: string[], example: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')} (e.g. ${example})`);

const boolFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const databaseEnvSchema = z.object({
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:'], 'postgres://user@127.0.0.1:5432/pillcap').optional(),
  PILLCAP_DATA_DIR: z.string().trim().min(1).default('data/pglite'),
});

export const ingestEnvSchema = databaseEnvSchema.extend({
  MQTT_URL: urlWithProtocols(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'], 'mqtt://127.0.0.1:1883'),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /** TLS to the broker (PEM files): CA bundle, client certificate and key (AWS IoT Core uses a certificate). */
  MQTT_CA_FILE: z.string().trim().min(1).optional(),
  MQTT_CERT_FILE: z.string().trim().min(1).optional(),
  MQTT_KEY_FILE: z.string().trim().min(1).optional(),
  /** Stable per ingestor process so its persistent session survives restarts; two processes must differ. */
  INGEST_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ . : -')
    .optional(),
  INGEST_SHARED: boolFlag.default(true),
  INGEST_SHARED_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ -')
    .default('pillcap-ingest'),
  INGEST_PUBACK: z.enum(['stored', 'queued']).default('stored'),
  INGEST_BATCH_MAX: intIn(1, 5000).default(200),
  INGEST_BATCH_WAIT_MS: intIn(0, 1000).default(5),
  INGEST_MAX_IN_FLIGHT: intIn(1, 100_000).default(2000),
  INGEST_CONCURRENCY: intIn(1, 16).default(2),
  INGEST_STALE_AFTER_MS: intIn(1000, 3_600_000).default(30_000),
  DOWNLINK: z.enum(['mqtt', 'aws-iot']).default('mqtt'),
  AWS_IOT_ENDPOINT: urlWithProtocols(['https:', 'http:'], 'https://xxxx-ats.iot.eu-west-1.amazonaws.com').optional(),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1').optional(),
  AWS_IOT_THING_PREFIX: z.string().default(''),
});

export type DatabaseEnv = z.infer<typeof databaseEnvSchema>;
export type IngestEnv = z.infer<typeof ingestEnvSchema> & { INGEST_CLIENT_ID: string };

function parse<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  // Empty variables count as unset (shells and compose files often export VAR=).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

export function loadDatabaseEnv(env: NodeJS.ProcessEnv = process.env): DatabaseEnv {
  return parse(databaseEnvSchema, env);
}

export function loadIngestEnv(env: NodeJS.ProcessEnv = process.env): IngestEnv {
  const parsed = parse(ingestEnvSchema, env);
  if (parsed.DOWNLINK === 'aws-iot' && !parsed.AWS_REGION) {
    throw new ConfigError('invalid configuration:\n  AWS_REGION: required when DOWNLINK=aws-iot');
  }
  if ((parsed.MQTT_CERT_FILE === undefined) !== (parsed.MQTT_KEY_FILE === undefined)) {
    throw new ConfigError('invalid configuration:\n  MQTT_CERT_FILE and MQTT_KEY_FILE go together (client certificate and its key)');
  }
  return { ...parsed, INGEST_CLIENT_ID: parsed.INGEST_CLIENT_ID ?? `pillcap-ingest-${hostname().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 40)}` };
}

/** Where the embedded database lives when DATABASE_URL is not set. */
export function pgliteDir(env: DatabaseEnv): string {
  return path.resolve(env.PILLCAP_DATA_DIR);
}

/** The ingestor's MQTT connection options from its environment: credentials and the TLS files' contents. */
export function ingestMqttOptions(
  env: Pick<IngestEnv, 'MQTT_USERNAME' | 'MQTT_PASSWORD' | 'MQTT_CA_FILE' | 'MQTT_CERT_FILE' | 'MQTT_KEY_FILE'>,
  readFile: (path: string) => Buffer = (path) => readFileSync(path),
): { username?: string; password?: string; ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (name: string, path: string): Buffer => {
    try {
      return readFile(path);
    } catch (error) {
      throw new ConfigError(`invalid configuration:\n  ${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  return {
    ...(env.MQTT_USERNAME ? { username: env.MQTT_USERNAME } : {}),
    ...(env.MQTT_PASSWORD ? { password: env.MQTT_PASSWORD } : {}),
    ...(env.MQTT_CA_FILE ? { ca: read('MQTT_CA_FILE', env.MQTT_CA_FILE) } : {}),
    ...(env.MQTT_CERT_FILE ? { cert: read('MQTT_CERT_FILE', env.MQTT_CERT_FILE) } : {}),
    ...(env.MQTT_KEY_FILE ? { key: read('MQTT_KEY_FILE', env.MQTT_KEY_FILE) } : {}),
  };
}
