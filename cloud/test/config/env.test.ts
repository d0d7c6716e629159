import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ingestMqttOptions, loadDatabaseEnv, loadIngestEnv } from '../../src/config/env.ts';

describe('environment configuration', () => {
  it('applies defaults', () => {
    const env = loadIngestEnv({ MQTT_URL: 'mqtt://127.0.0.1:1883' });
    expect(env).toMatchObject({
      INGEST_SHARED: true,
      INGEST_SHARED_GROUP: 'pillcap-ingest',
      INGEST_PUBACK: 'stored',
      INGEST_BATCH_MAX: 200,
      INGEST_CONCURRENCY: 2,
      DOWNLINK: 'mqtt',
      PILLCAP_DATA_DIR: 'data/pglite',
    });
    expect(env.INGEST_CLIENT_ID).toMatch(/^pillcap-ingest-/);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('parses numbers and flags and treats empty variables as unset', () => {
    const env = loadIngestEnv({ MQTT_URL: 'mqtts://broker:8883', INGEST_SHARED: 'false', INGEST_BATCH_MAX: '50', INGEST_CONCURRENCY: '1', DATABASE_URL: '' });
    expect(env).toMatchObject({ INGEST_SHARED: false, INGEST_BATCH_MAX: 50, INGEST_CONCURRENCY: 1 });
    expect(() => loadIngestEnv({ MQTT_URL: 'mqtt://h', INGEST_CONCURRENCY: '0' })).toThrow(/INGEST_CONCURRENCY/);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('gives the ingestor the broker credentials and TLS files (AWS IoT Core needs a client certificate)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pillcap-tls-'));
    for (const name of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, name), `-----${name}-----`);
    const env = loadIngestEnv({
      MQTT_URL: 'mqtts://x-ats.iot.eu-west-1.amazonaws.com:8883',
      MQTT_CA_FILE: join(dir, 'ca.pem'),
      MQTT_CERT_FILE: join(dir, 'client.pem'),
      MQTT_KEY_FILE: join(dir, 'client.key'),
    });
    const options = ingestMqttOptions(env);
    expect(options.ca?.toString()).toBe('-----ca.pem-----');
    expect(options.cert?.toString()).toBe('-----client.pem-----');
    expect(options.key?.toString()).toBe('-----client.key-----');
    expect(ingestMqttOptions(loadIngestEnv({ MQTT_URL: 'mqtt://h', MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p' }))).toEqual({ username: 'u', password: 'p' });
    expect(() => loadIngestEnv({ MQTT_URL: 'mqtts://h:8883', MQTT_CERT_FILE: join(dir, 'client.pem') })).toThrow(/MQTT_KEY_FILE/);
    expect(() => ingestMqttOptions(loadIngestEnv({ MQTT_URL: 'mqtts://h:8883', MQTT_CA_FILE: join(dir, 'missing.pem') }))).toThrow(
      /MQTT_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/,
    );
  });

  it('names each bad variable without echoing secrets', () => {
    let error: unknown;
    try {
      loadIngestEnv({ MQTT_URL: 'http://x', DATABASE_URL: 'mysql://u:hunter2@h/db', INGEST_BATCH_MAX: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('MQTT_URL');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('INGEST_BATCH_MAX');
    expect(message).not.toContain('hunter2');
    expect(() => loadIngestEnv({})).toThrow(/MQTT_URL/);
    expect(() => loadIngestEnv({ MQTT_URL: 'mqtt://h', DOWNLINK: 'aws-iot' })).toThrow(/AWS_REGION/);
  });

  it('accepts postgres URLs for the database', () => {
    expect(loadDatabaseEnv({ DATABASE_URL: 'postgresql://u@h:5432/db' }).DATABASE_URL).toBe('postgresql://u@h:5432/db');
  });
});
