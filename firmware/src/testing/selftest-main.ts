/**
 * Entry of firmware/dist/pillcap-selftest.js: runs the self-test and prints through `print` if the host
 * defines it (QuickJS, XS xst), else `trace` (Moddable), else `console.log`.
 */
import { runSelfTest } from './selftest.ts';

declare const globalThis: Record<string, unknown>;

function pickPrinter(): (line: string) => void {
  const g = globalThis;
  if (typeof g.print === 'function') return g.print as (line: string) => void;
  if (typeof g.trace === 'function') {
    const trace = g.trace as (text: string) => void;
    return (line) => trace(line + '\n');
  }
  const c = g.console as { log?: (line: string) => void } | undefined;
  if (c && typeof c.log === 'function') return (line) => (c.log as (line: string) => void)(line);
  return () => undefined;
}

const result = runSelfTest(pickPrinter());
globalThis.pillcapSelfTestResult = result;
