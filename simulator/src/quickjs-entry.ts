/** Bundle entry for the QuickJS runtime: exposes the simulator's firmware entry on globalThis. */
import { bootPillcap } from './firmware-entry.ts';

(globalThis as unknown as { pillcapSim: unknown }).pillcapSim = { bootPillcap };
