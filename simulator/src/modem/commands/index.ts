/** Command table of the BG95 emulator: name (upper case, with `+`) -> handler. Unknown names answer ERROR. */
import type { CommandHandler } from '../bg95-emulator.ts';
import { GENERAL } from './general.ts';
import { NETWORK } from './network.ts';
import { PDP } from './pdp.ts';
import { FILES_SSL } from './files-ssl.ts';
import { MQTT } from './mqtt.ts';

export const HANDLERS: Record<string, CommandHandler> = { ...GENERAL, ...NETWORK, ...PDP, ...FILES_SSL, ...MQTT };
