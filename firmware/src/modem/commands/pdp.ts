/** PDP context commands (ref §1). Context 1 is the only one the cap uses. */

import { allFieldsOf, int, okCommand, q, read, type AtCommand } from '../at-command.ts';

/** `AT+QICSGP=<ctx>,1,"<apn>","","",0`: IPv4, no auth. */
export const qicsgp = /* @__PURE__ */ okCommand<{ ctx: number; apn: string }>('QICSGP', (a) => `AT+QICSGP=${a.ctx},1,${q(a.apn)},"","",0`);

export interface PdpContext {
  ctx: number;
  state: number;
  type: number;
  ip: string;
}

export const qiactRead: AtCommand<void, PdpContext[]> = /* @__PURE__ */ read(
  'QIACT?',
  (lines) => allFieldsOf(lines, '+QIACT:').map((f) => ({ ctx: int(f[0]), state: int(f[1]), type: int(f[2]), ip: f[3] ?? '' })),
  5000,
);

/** Set forms: up to 150 s / 40 s (ref §12). */
export const qiact = /* @__PURE__ */ okCommand<number>('QIACT', (ctx) => `AT+QIACT=${ctx}`, 150000);
export const qideact = /* @__PURE__ */ okCommand<number>('QIDEACT', (ctx) => `AT+QIDEACT=${ctx}`, 40000);

/** `+QIURC: "pdpdeact",<ctx>` -> ctx, or undefined for other +QIURC kinds. */
export function parsePdpDeact(line: string): number | undefined {
  const m = /^\+QIURC: ?"pdpdeact",(\d+)/.exec(line);
  return m ? Number(m[1]) : undefined;
}
