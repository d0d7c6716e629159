/** The uplink decoder the ingestor uses: the protocol's cloud codec (cbor-x + zod), throwing ProtocolError. */
import { decodeUplink } from '../../../protocol/src/cloud-codec.ts';
import type { UplinkMessage } from '../../../protocol/src/messages.ts';

export const decodeUplinkMessage: (bytes: Uint8Array) => UplinkMessage = decodeUplink;
