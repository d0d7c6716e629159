/*
 * Moddable entry module (not bundled). The only file that imports Moddable host modules; it passes them to
 * the import-free firmware bundle, which installed globalThis.pillcapMain when it was loaded.
 *
 * Build and flash (Moddable SDK installed, MODDABLE set):
 *   npx pillcap build-firmware                     # writes firmware/dist/pillcap-moddable.js (+ factory mod)
 *   cd firmware/ports/moddable && mcconfig -d -m -p nrf52/<board> ./manifest.json
 * (-d debug build with xsbug, drop it for release; -m runs make and flashes; -p selects the platform.)
 * On the manufacturing line, the factory mod (the console: factory and modem commands) goes in next to it and
 * stays installed:
 *   mcrun -d -m -p nrf52/<board> ./manifest-factory.json
 * The image asks for it (loadFactoryMod) at boot in factory mode (unprovisioned), else only when a line arrives
 * on the console port, so a cap in use never loads it (factory-mod.ts).
 */
import Timer from "timer";
import Time from "time";
import Flash from "flash";
import { Sleep, ResetReason } from "sleep";
import Modules from "modules";
import "pillcap-moddable";

const FACTORY_MOD = "pillcap-factory-mod";

function loadFactoryMod() {
	if (Modules.has(FACTORY_MOD)) Modules.importNow(FACTORY_MOD);
}

export default function () {
	globalThis.pillcapMain({ Timer, Time, Flash, Sleep, ResetReason, loadFactoryMod });
}
