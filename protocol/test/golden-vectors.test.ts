/**
 * Byte compatibility is the contract: the device encoder must write exactly the committed bytes, and the
 * device decoder and the cloud decoder (cbor-x + zod, a separate implementation) must both accept exactly
 * them and agree on the value. Invalid vectors must fail the same way on both sides.
 */
import { describe, expect, it } from 'vitest';
import { decodeDownlinkCloud, decodeUplink, encodeDownlinkCloud } from '../src/cloud-codec.ts';
import { decodeDownlink, decodeUplinkDevice, encodeDownlink, encodeUplink } from '../src/device-codec.ts';
import { messageFromJson, messageToJson } from '../src/json-form.ts';
import { MessageKind, type DownlinkMessage, type UplinkMessage } from '../src/messages.ts';
import { ProtocolError } from '../src/protocol-error.ts';
import { goldenVectors, invalidVectors } from './support/golden.ts';
import { fromHex, toHex } from './support/shared-vectors.ts';

const vectors = goldenVectors();
const invalid = invalidVectors();

describe('golden vectors', () => {
  it('cover every message kind and the required edges', () => {
    const kinds = new Set(vectors.map((v) => v.decoded.kind));
    for (const kind of Object.values(MessageKind)) expect(kinds, `kind ${kind}`).toContain(kind);
    const names = vectors.map((v) => v.name);
    for (const edge of ['largest-seq', 'clock-unknown', 'empty', 'overflow', 'unknown-future-field', 'multi-boot', 'negative-dt']) {
      expect(names.some((n) => n.includes(edge)), edge).toBe(true);
    }
  });

  for (const v of vectors) {
    describe(v.name, () => {
      const bytes = fromHex(v.hex);
      const msg = messageFromJson(v.decoded);
      const [deviceDecode, cloudDecode] =
        v.direction === 'uplink' ? [decodeUplinkDevice, decodeUplink] : [decodeDownlink, decodeDownlinkCloud];

      if (v.canonical) {
        it('the device encoder writes exactly these bytes', () => {
          const encoded = v.direction === 'uplink' ? encodeUplink(msg as UplinkMessage) : encodeDownlink(msg as DownlinkMessage);
          expect(toHex(encoded)).toBe(v.hex);
          if (v.direction === 'downlink') expect(toHex(encodeDownlinkCloud(msg as DownlinkMessage))).toBe(v.hex);
        });
      }
      it('the device decoder gives the decoded value', () => {
        expect(deviceDecode(bytes)).toEqual(msg);
        expect(messageToJson(deviceDecode(bytes))).toEqual(v.decoded);
      });
      it('the cloud decoder gives the same value', () => {
        expect(cloudDecode(bytes)).toEqual(msg);
        expect(cloudDecode(bytes)).toEqual(deviceDecode(bytes));
      });
    });
  }
});

describe('invalid vectors', () => {
  it('exist', () => expect(invalid.length).toBeGreaterThanOrEqual(15));
  for (const v of invalid) {
    it(`${v.name}: both decoders fail with ${v.error.code} at '${v.error.path}'`, () => {
      const bytes = fromHex(v.hex);
      const [deviceDecode, cloudDecode] =
        v.direction === 'uplink' ? [decodeUplinkDevice, decodeUplink] : [decodeDownlink, decodeDownlinkCloud];
      for (const decode of [deviceDecode, cloudDecode]) {
        let caught: unknown;
        try {
          decode(bytes);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(ProtocolError);
        expect({ code: (caught as ProtocolError).code, path: (caught as ProtocolError).path }).toEqual(v.error);
      }
    });
  }
});
