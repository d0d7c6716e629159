/** Memfault-style reboot reason codes (reference/diagnostics.md §4). Bit 0x8000 set = unexpected. */
const NAMES: Record<number, string> = {
  0x0000: 'Unknown', 0x0001: 'UserShutdown', 0x0002: 'UserReset', 0x0003: 'FirmwareUpdate', 0x0004: 'LowPower',
  0x0005: 'DebuggerHalted', 0x0006: 'ButtonReset', 0x0007: 'PowerOnReset', 0x0008: 'SoftwareReset', 0x0009: 'DeepSleep',
  0x000a: 'PinReset', 0x000b: 'SelfTest',
  0x8000: 'UnknownError', 0x8001: 'Assert', 0x8002: 'Watchdog', 0x8003: 'BrownOutReset', 0x8004: 'Nmi',
  0x8005: 'HardwareWatchdog', 0x8006: 'SoftwareWatchdog', 0x8007: 'ClockFailure', 0x8008: 'KernelPanic',
  0x8009: 'FirmwareUpdateError', 0x800a: 'OutOfMemory', 0x800b: 'StackOverflow', 0x800c: 'TaskWatchdog',
  0x9100: 'BusFault', 0x9200: 'MemFault', 0x9300: 'UsageFault', 0x9400: 'HardFault', 0x9401: 'Lockup',
  0x9402: 'SecurityViolation', 0x9403: 'ParityError', 0x9404: 'Temperature', 0x9405: 'Hardware',
};

export const BROWN_OUT_RESET = 0x8003;
export const POWER_ON_RESET = 0x0007;

/**
 * The cap lost its supply: a power-on reset (expected in Memfault's split, but a rechargeable cap should see one
 * only after running flat) or a brown-out (supply dipped under load). Several in a short window point at the
 * battery contacts, the cell or the charger rather than at the firmware.
 */
export const isPowerLossReset = (code: number): boolean => code === POWER_ON_RESET || code === BROWN_OUT_RESET;

export const isUnexpectedReset = (code: number): boolean => (code & 0x8000) !== 0;

export function resetReasonName(code: number): string {
  const known = NAMES[code];
  if (known) return known;
  if (code >= 0x1000 && code <= 0x1100) return `CustomExpected(0x${code.toString(16)})`;
  if (code >= 0xa000 && code <= 0xa100) return `CustomUnexpected(0x${code.toString(16)})`;
  return `0x${code.toString(16).padStart(4, '0')}`;
}
