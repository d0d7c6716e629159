/**
 * Parsing of one AT command line as the BG95 sees it after CR: `AT`, `ATE0`, `AT+NAME`, `AT+NAME?`,
 * `AT+NAME=?`, `AT+NAME=arg,"quoted",,arg`. Arguments keep whether they were quoted, because BG95 rejects
 * some unquoted strings and the emulator should too.
 */

export type AtForm = 'exec' | 'read' | 'test' | 'set';

export interface AtArg {
  text: string;
  quoted: boolean;
}

export interface AtCommand {
  /** Upper-case name including the leading `+` for extended commands (`+QMTOPEN`), or `E`, `I`, `` for basic ones. */
  name: string;
  form: AtForm;
  args: AtArg[];
  /** The line as received (without CR), for transcripts. */
  raw: string;
}

export class AtSyntaxError extends Error {}

export function parseAtLine(raw: string): AtCommand {
  const line = raw.trim();
  if (!/^AT/i.test(line)) throw new AtSyntaxError(`not an AT command: ${JSON.stringify(raw)}`);
  const body = line.slice(2);
  if (body === '') return { name: '', form: 'exec', args: [], raw };
  if (body[0] !== '+') {
    // Basic command: letter(s) followed by an optional number (ATE0, ATI, ATV1, AT&W).
    const m = /^(&?[A-Z])(\d*)$/i.exec(body);
    if (!m) throw new AtSyntaxError(`bad basic command: ${body}`);
    return { name: m[1].toUpperCase(), form: m[2] === '' ? 'exec' : 'set', args: m[2] === '' ? [] : [{ text: m[2], quoted: false }], raw };
  }
  const m = /^(\+[A-Z0-9]+)(.*)$/i.exec(body);
  if (!m) throw new AtSyntaxError(`bad extended command: ${body}`);
  const name = m[1].toUpperCase();
  const rest = m[2];
  if (rest === '') return { name, form: 'exec', args: [], raw };
  if (rest === '?') return { name, form: 'read', args: [], raw };
  if (rest === '=?') return { name, form: 'test', args: [], raw };
  if (rest[0] !== '=') throw new AtSyntaxError(`bad command suffix: ${rest}`);
  return { name, form: 'set', args: splitArgs(rest.slice(1)), raw };
}

/** Split on commas outside double quotes; quotes are removed and remembered. */
export function splitArgs(text: string): AtArg[] {
  const args: AtArg[] = [];
  let current = '';
  let quoted = false;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      inQuotes = !inQuotes;
      quoted = true;
    } else if (ch === ',' && !inQuotes) {
      args.push({ text: current, quoted });
      current = '';
      quoted = false;
    } else {
      current += ch;
    }
  }
  if (inQuotes) throw new AtSyntaxError('unterminated string');
  args.push({ text: current, quoted });
  return args;
}

/** Integer argument or undefined when absent/empty; throws on garbage. */
export function intArg(cmd: AtCommand, i: number): number | undefined {
  const a = cmd.args[i];
  if (a === undefined || a.text === '') return undefined;
  if (!/^-?\d+$/.test(a.text.trim()) && !/^0x[0-9a-f]+$/i.test(a.text.trim())) throw new AtSyntaxError(`argument ${i} is not an integer`);
  return Number(a.text.trim());
}

export function strArg(cmd: AtCommand, i: number): string | undefined {
  const a = cmd.args[i];
  return a === undefined ? undefined : a.text;
}
