/**
 * The one error type both codecs throw for a message they cannot accept. ECMAScript only (the device codec
 * throws it too). `path` names the offending field in the message's JSON form, e.g. `events[3].args[0]`.
 *   malformed_cbor   the bytes are not one well-formed CBOR item (detail carries the CborError)
 *   unknown_version  key 0 is a uint other than PROTOCOL_VERSION
 *   unknown_kind     key 1 is a uint that is not a message kind of the expected direction
 *   invalid_field    anything else: a missing key, a wrong type, a value out of range
 */
export type ProtocolErrorCode = 'malformed_cbor' | 'unknown_version' | 'unknown_kind' | 'invalid_field';

export class ProtocolError extends Error {
  declare readonly code: ProtocolErrorCode;
  declare readonly path: string;
  declare readonly detail: string;
  constructor(code: ProtocolErrorCode, path: string, detail: string) {
    super(`${code}${path ? ` at ${path}` : ''}: ${detail}`);
    this.code = code;
    this.path = path;
    this.detail = detail;
    this.name = 'ProtocolError';
  }
}
