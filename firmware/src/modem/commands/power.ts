/** Modem power-down (ref §4, §10). */

import type { AtCommand } from '../at-command.ts';

/** `AT+QPOWD=1`: OK, then `POWERED DOWN`; cut power only after that URC. */
export const qpowd: AtCommand<void, void> = {
  name: 'QPOWD',
  build: () => 'AT+QPOWD=1',
  timeoutMs: 5000,
  urc: { prefixes: ['POWERED DOWN'], timeoutMs: 10000 },
  parse: () => undefined,
};
