/**
 * AT command descriptors: every command the driver sends is data, not code paths in the engine.
 *
 * A descriptor says how to build the command line, how long to wait for the final result, which
 * information-line prefix belongs to it, whether it is two-phase (OK first, the real outcome later as a
 * URC), whether it writes raw bytes after a `>` prompt, and how to turn the collected lines into a typed
 * result. Parsers are pure functions of their lines and throw `AtParseError` on anything unexpected.
 */

export interface AtUrcWait<A> {
  /** URC prefixes that carry the outcome (e.g. both `+QMTPUB:` and `+QMTPUBEX:`). */
  prefixes: string[];
  timeoutMs: number;
  /** Decide whether a line with a matching prefix belongs to this command (e.g. same client index). */
  match?(line: string, args: A): boolean;
  /** Return false for an intermediate URC that must not end the wait (publish result 1 = retransmission). */
  final?(line: string, args: A): boolean;
}

export interface AtCommand<A, R> {
  name: string;
  /** Full command line without the trailing CR, e.g. `AT+QMTOPEN=0,"host",8883`. */
  build(args: A): string;
  /** Time allowed for the final result (OK / ERROR / +CME ERROR). */
  timeoutMs: number;
  /** Information lines starting with this prefix (before the final result) belong to the command. */
  prefix?: string;
  /** Bare information lines (no prefix, e.g. IMEI from AT+GSN) belong to the command. */
  bareLines?: boolean;
  /** Two-phase command: after OK, wait for one of these URCs. */
  urc?: AtUrcWait<A>;
  /** Prompt-then-raw-bytes: after `>` write exactly these bytes. */
  payload?(args: A): Uint8Array;
  /** Pure parser from collected information lines (and the awaited URC line, last) to the result. */
  parse(lines: string[], args: A): R;
}

/**
 * A parser's complaint; the message is the detail (`integer "x"`, `missing +QCSQ: line`). It does not name the
 * command: the engine's failure does (`command`), and so does its trace (`<name>: cannot parse <detail>`).
 */
export class AtParseError extends Error {
  override name = 'AtParseError';
}

/** Command that answers only OK. */
export function okCommand<A = void>(name: string, build: (args: A) => string, timeoutMs = 2000): AtCommand<A, void> {
  return { name, build, timeoutMs, parse: () => undefined };
}

/** Split the value part of `+XYZ: a,"b,c",d` into fields, honouring quotes. Quotes are removed. */
export function splitFields(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Fields of the first line with `prefix`, or undefined when there is none. */
export function fieldsOf(lines: string[], prefix: string): string[] | undefined {
  return allFieldsOf(lines, prefix)[0];
}

export function allFieldsOf(lines: string[], prefix: string): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i].startsWith(prefix)) out.push(splitFields(lines[i].slice(prefix.length)));
  return out;
}

/** Strict integer parse (decimal, optional sign); throws on anything else. */
export function int(text: string | undefined): number {
  if (text === undefined || !/^-?\d+$/.test(text)) throw new AtParseError(`integer "${text ?? ''}"`);
  return Number(text);
}

export function hex(text: string | undefined): number {
  if (text === undefined || !/^[0-9A-Fa-f]{1,8}$/.test(text)) throw new AtParseError(`hex "${text ?? ''}"`);
  return parseInt(text, 16);
}

export function requireFields(lines: string[], prefix: string, min: number): string[] {
  const f = fieldsOf(lines, prefix);
  if (f === undefined || f.length < min) throw new AtParseError(`missing ${prefix} line`);
  return f;
}

/**
 * A command `AT+<name>` (`name` as failures report it, e.g. `QIACT?`) whose information lines start with
 * `+<NAME>:` (the name without `?`).
 */
export function read<A, R>(name: string, parse: (lines: string[], args: A) => R, timeoutMs = 2000): AtCommand<A, R> {
  return { name, build: () => `AT+${name}`, timeoutMs, prefix: `+${name.replace('?', '')}:`, parse };
}

/** A read command answered by one `+<NAME>:` line of at least `min` fields, which `parse` turns into the result. */
export function query<R>(name: string, min: number, parse: (fields: string[]) => R, timeoutMs = 2000): AtCommand<void, R> {
  const c: AtCommand<void, R> = read(name, (lines) => parse(requireFields(lines, c.prefix as string, min)), timeoutMs);
  return c;
}

/** Quote a string argument. AT strings cannot carry `"`; reject instead of producing a broken command. */
export function q(text: string): string {
  if (/["\r\n]/.test(text)) throw new Error(`AT string argument may not contain quotes or line breaks: ${text}`);
  return `"${text}"`;
}
