/**
 * The JSON form of a message, as golden vectors, logs and the API show it: byte strings become lowercase
 * hex, everything else is already JSON (mqttStat keys become strings, as JSON object keys always are).
 */
import type { Message } from './messages.ts';
import { bytesToHex as toHex, hexToBytes as fromHex } from './hex.ts';

const BYTE_FIELDS = ['imageHash'] as const;

export function messageToJson(msg: Message): Record<string, unknown> {
  const out: Record<string, unknown> = { ...msg };
  for (const field of BYTE_FIELDS) if (out[field] instanceof Uint8Array) out[field] = toHex(out[field] as Uint8Array);
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}

export function messageFromJson(json: Record<string, unknown>): Message {
  const out: Record<string, unknown> = structuredClone(json);
  for (const field of BYTE_FIELDS) if (typeof out[field] === 'string') out[field] = fromHex(out[field] as string);
  return out as unknown as Message;
}
