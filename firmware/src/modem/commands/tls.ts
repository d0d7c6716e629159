/** TLS configuration of an SSL context and its binding to an MQTT client (ref §2). */

import { okCommand, q } from '../at-command.ts';

export type SslSetting =
  | { name: 'sslversion'; value: number } // 3 = TLS 1.2 only [verify], 4 = all
  | { name: 'ciphersuite'; value: string } // "0xFFFF" = all
  | { name: 'seclevel'; value: number } // 2 = server + client authentication
  | { name: 'cacert' | 'clientcert' | 'clientkey'; file: string }
  | { name: 'sni'; enable: boolean }; // ref §11.8: forms differ; we send `"sni",<ctx>,<0|1>`

export const qsslcfg = /* @__PURE__ */ okCommand<{ ctx: number; setting: SslSetting }>('QSSLCFG', ({ ctx, setting: s }) => {
  switch (s.name) {
    case 'sslversion':
    case 'seclevel':
      return `AT+QSSLCFG="${s.name}",${ctx},${s.value}`;
    case 'ciphersuite':
      return `AT+QSSLCFG="ciphersuite",${ctx},${s.value}`;
    case 'sni':
      return `AT+QSSLCFG="sni",${ctx},${s.enable ? 1 : 0}`;
    default:
      return `AT+QSSLCFG="${s.name}",${ctx},${q(s.file)}`;
  }
});

/** `AT+QMTCFG="ssl",<client>,1,<sslctx>`: MQTT over TLS with that SSL context. */
export const qmtcfgSsl = /* @__PURE__ */ okCommand<{ client: number; sslCtx: number }>('QMTCFG ssl', (a) => `AT+QMTCFG="ssl",${a.client},1,${a.sslCtx}`);
