/*
 * Moddable entry module (not bundled). The only file that imports Moddable host modules; it passes them to
 * the import-free firmware bundle, which installed globalThis.pillcapMain when it was loaded.
 *
 * Build and flash (Moddable SDK installed, MODDABLE set):
 *   npx pillcap build-firmware                     # writes firmware/dist/pillcap-moddable.js
 *   cd firmware/ports/moddable && mcconfig -d -m -p nrf52/<board> ./manifest.json
 * (-d debug build with xsbug, drop it for release; -m runs make and flashes; -p selects the platform.)
 */
import Timer from "timer";
import Time from "time";
import Flash from "flash";
import { Sleep, ResetReason } from "sleep";
import "pillcap-moddable";

export default function () {
	globalThis.pillcapMain({ Timer, Time, Flash, Sleep, ResetReason });
}
