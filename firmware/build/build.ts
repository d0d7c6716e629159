/** Alias of build-firmware.ts for tools that look for firmware/build/build.ts (bench/firmware). */
export { buildFirmware, describeBuild, MODDABLE_BUNDLE, SELFTEST_BUNDLE, FIRMWARE_TARGET } from './build-firmware.ts';
export type { BundleInfo, FirmwareBuild } from './build-firmware.ts';
