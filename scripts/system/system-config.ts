/**
 * Configuration of `pillcap start`, from the environment (validated with zod; clear errors) and flags.
 * Every variable is optional: with none set the whole system runs on embedded defaults.
 */
import { z } from 'zod';
import { ConfigError, databaseEnvSchema } from '../../cloud/src/config/env.ts';

const urlWith = (protocols: string[], example: string) =>
  z.string().trim().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')} (e.g. ${example})`);

const fileSchema = z.string().trim().min(1);

export const systemEnvSchema = databaseEnvSchema.extend({
  MQTT_URL: urlWith(['mqtt:', 'mqtts:', 'tcp:', 'ssl:'], 'mqtts://broker.example.com:8883').optional(),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  MQTT_CA_FILE: fileSchema.optional(),
  MQTT_CERT_FILE: fileSchema.optional(),
  MQTT_KEY_FILE: fileSchema.optional(),
  /** Port of the embedded broker when MQTT_URL is not set; taken when free, else an ephemeral port. */
  EMBEDDED_MQTT_PORT: z.coerce.number().int().min(0).max(65535).default(1883),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  INGEST_CLIENT_ID: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ . : -').optional(),
  INGEST_SHARED_GROUP: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('pillcap-ingest'),
  DOWNLINK: z.enum(['mqtt', 'aws-iot']).default('mqtt'),
  AWS_IOT_ENDPOINT: urlWith(['https:', 'http:'], 'https://xxxx-ats.iot.eu-west-1.amazonaws.com').optional(),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1').optional(),
  AWS_IOT_THING_PREFIX: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

export type SystemEnv = z.infer<typeof systemEnvSchema>;

export function loadSystemEnv(env: NodeJS.ProcessEnv = process.env): SystemEnv {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = systemEnvSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  const tlsFiles = [config.MQTT_CA_FILE, config.MQTT_CERT_FILE, config.MQTT_KEY_FILE].filter(Boolean).length;
  if ((config.MQTT_CERT_FILE === undefined) !== (config.MQTT_KEY_FILE === undefined)) {
    throw new ConfigError('invalid configuration:\n  MQTT_CERT_FILE and MQTT_KEY_FILE go together (client certificate and its key)');
  }
  if (tlsFiles > 0 && !config.MQTT_URL) {
    throw new ConfigError('invalid configuration:\n  MQTT_CA_FILE/MQTT_CERT_FILE/MQTT_KEY_FILE need MQTT_URL (the embedded broker does not use TLS)');
  }
  if (config.DOWNLINK === 'aws-iot' && !config.AWS_REGION) {
    throw new ConfigError('invalid configuration:\n  AWS_REGION: required when DOWNLINK=aws-iot');
  }
  return config;
}
