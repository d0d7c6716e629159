/**
 * Contract test of the AWS IoT Core downlink: the data-plane client is pointed at a local HTTP server that
 * records each request (method, path, query, headers, body) so the exact wire calls are checked.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDownlink } from '../../../protocol/src/device-codec.ts';
import { MessageKind, type DeviceConfig } from '../../../protocol/src/messages.ts';
import { AwsIotDownlink } from '../../src/downlink/aws-iot-downlink.ts';
import { DownlinkError } from '../../src/downlink/downlink.ts';

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: Server;
let endpoint: string;
const requests: Recorded[] = [];
let failNext: number | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://localhost');
      requests.push({ method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) });
      if (failNext) {
        res.writeHead(failNext, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnauthorizedException' });
        res.end(JSON.stringify({ message: 'not authorised' }));
        failNext = undefined;
        return;
      }
      if (url.pathname.startsWith('/things/')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(chunks.length ? Buffer.concat(chunks) : '{}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const downlink = (options: { shadowName?: string; thingNamePrefix?: string } = {}) =>
  new AwsIotDownlink({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake-secret-for-tests' },
    ...options,
  });

describe('AWS IoT downlink', () => {
  it('publishes an ack as binary CBOR with QoS 1 on the down topic', async () => {
    requests.length = 0;
    const d = downlink();
    await d.publish('PC-0042', { kind: MessageKind.Ack, serial: 'PC-0042', ackSeq: 117, serverUnixS: 1_760_000_000, configVersion: 3 });
    expect(requests).toHaveLength(1);
    const r = requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/topics/pillcap%2Fv1%2FPC-0042%2Fdown');
    expect(r.query.get('qos')).toBe('1');
    expect(r.headers['x-amz-mqtt5-payload-format-indicator']).toBe('UNSPECIFIED_BYTES');
    expect(String(r.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/iotdata\/aws4_request/);
    expect(decodeDownlink(new Uint8Array(r.body))).toEqual({ kind: MessageKind.Ack, serial: 'PC-0042', ackSeq: 117, serverUnixS: 1_760_000_000, configVersion: 3 });
    await d.close();
  });

  it('publishes a command the same way', async () => {
    requests.length = 0;
    const d = downlink();
    await d.publish('PC-0042', { kind: MessageKind.Command, serial: 'PC-0042', commandId: 9, code: 1 });
    expect(requests[0]!.path).toBe('/topics/pillcap%2Fv1%2FPC-0042%2Fdown');
    expect(decodeDownlink(new Uint8Array(requests[0]!.body))).toEqual({ kind: MessageKind.Command, serial: 'PC-0042', commandId: 9, code: 1 });
    await d.close();
  });

  it('writes the desired config into the (named) shadow of the thing, and publishes it retained on the down topic', async () => {
    requests.length = 0;
    const config: DeviceConfig = {
      configVersion: 4,
      reminderMinutes: [480, 1200],
      utcOffsetMin: -360,
      reminderGraceMin: 30,
      reminderWindowMin: 180,
      heartbeatIntervalS: 86400,
      uploadCoalesceS: 60,
      lidDebounceMs: 30,
      lidLeftOpenS: 600,
    };
    const d = downlink({ shadowName: 'config', thingNamePrefix: 'pillcap-' });
    await d.updateDesiredConfig('PC-0042', config);
    const r = requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/things/pillcap-PC-0042/shadow');
    expect(r.query.get('name')).toBe('config');
    expect(JSON.parse(r.body.toString('utf8'))).toEqual({ state: { desired: { config } } });
    // what the cap reads: the Config message in CBOR, retained, on its down topic (no thing-name prefix there)
    const p = requests[1]!;
    expect(p.method).toBe('POST');
    expect(p.path).toBe('/topics/pillcap%2Fv1%2FPC-0042%2Fdown');
    expect(Object.fromEntries(p.query)).toEqual({ qos: '1', retain: 'true' });
    expect(decodeDownlink(new Uint8Array(p.body))).toEqual({ ...config, kind: MessageKind.Config, serial: 'PC-0042' });
    expect(requests).toHaveLength(2);
    await d.close();
  });

  it('uses the classic shadow when no shadow name is configured', async () => {
    requests.length = 0;
    const d = downlink();
    await d.updateDesiredConfig('PC-0042', {
      configVersion: 1,
      reminderMinutes: [],
      utcOffsetMin: 0,
      reminderGraceMin: 0,
      reminderWindowMin: 60,
      heartbeatIntervalS: 3600,
      uploadCoalesceS: 0,
      lidDebounceMs: 5,
      lidLeftOpenS: 10,
    });
    expect(requests[0]!.path).toBe('/things/PC-0042/shadow');
    expect(requests[0]!.query.has('name')).toBe(false);
    await d.close();
  });

  it('reports a refused call as a DownlinkError naming the cap', async () => {
    requests.length = 0;
    failNext = 401;
    const d = downlink();
    const error = await d.publish('PC-0042', { kind: MessageKind.Ack, serial: 'PC-0042', ackSeq: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownlinkError);
    expect((error as DownlinkError).serial).toBe('PC-0042');
    await expect(d.publish('PC-0042', { kind: MessageKind.Ack, serial: 'PC-0043', ackSeq: 1 })).rejects.toBeInstanceOf(DownlinkError);
    await d.close();
  });
});
