import { describe, expect, it } from 'vitest';
import { ConfigError, loadDatabaseEnv, loadIngestEnv } from '../../src/config/env.ts';

describe('environment configuration', () => {
  it('applies defaults', () => {
    const env = loadIngestEnv({ MQTT_URL: 'mqtt://127.0.0.1:1883' });
    expect(env).toMatchObject({
      INGEST_SHARED: true,
      INGEST_SHARED_GROUP: 'pillcap-ingest',
      INGEST_PUBACK: 'stored',
      INGEST_BATCH_MAX: 200,
      DOWNLINK: 'mqtt',
      PILLCAP_DATA_DIR: 'data/pglite',
    });
    expect(env.INGEST_CLIENT_ID).toMatch(/^pillcap-ingest-/);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('parses numbers and flags and treats empty variables as unset', () => {
    const env = loadIngestEnv({ MQTT_URL: 'mqtts://broker:8883', INGEST_SHARED: 'false', INGEST_BATCH_MAX: '50', DATABASE_URL: '' });
    expect(env).toMatchObject({ INGEST_SHARED: false, INGEST_BATCH_MAX: 50 });
    expect(env.DATABASE_URL).toBeUndefined();
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
