/**
 * Reset reasons: Memfault-style codes (reference diagnostics.md section 4). Bit 0x8000 set = unexpected.
 * Before any intentional reset the firmware stores the reason in a retained value; at boot that stored
 * reason is merged with the hardware's reset register.
 */
import { HardwareResetReason } from '../ports/ports.ts';

// A const enum: the build inlines the codes instead of shipping a table of their names.
export const enum ResetReason {
  Unknown = 0x0000,
  UserShutdown = 0x0001, // shipping mode entered from the factory console
  UserReset = 0x0002, // reboot asked for by the cloud (Command Reboot) or the console
  FirmwareUpdate = 0x0003,
  LowPower = 0x0004, // shut down on a critically low battery
  DebuggerHalted = 0x0005,
  ButtonReset = 0x0006,
  PowerOnReset = 0x0007,
  SoftwareReset = 0x0008, // intentional reset by the firmware (e.g. connectivity gave up)
  DeepSleep = 0x0009, // woke from System OFF (lid opened in shipping mode)
  PinReset = 0x000a,
  SelfTest = 0x000b,
  UnknownError = 0x8000,
  Assert = 0x8001,
  BrownOutReset = 0x8003,
  HardwareWatchdog = 0x8005,
  SoftwareWatchdog = 0x8006,
  OutOfMemory = 0x800a,
  Lockup = 0x9401,
}

export function isUnexpected(reason: number): boolean {
  return (reason & 0x8000) !== 0;
}

/**
 * Merge the hardware reason with the stored intent. An intent only explains a reset the hardware reports as
 * software-triggered or a watchdog (the software watchdog stores its intent then lets the hardware fire);
 * a power-on or brown-out means the retained intent is stale (retained RAM reads 0 after power loss anyway).
 */
export function mergeResetReason(hardware: HardwareResetReason, stored: number): number {
  switch (hardware) {
    case HardwareResetReason.Software:
      return stored !== 0 ? stored : ResetReason.UnknownError;
    case HardwareResetReason.Watchdog:
      return stored === ResetReason.SoftwareWatchdog ? stored : ResetReason.HardwareWatchdog;
    case HardwareResetReason.Pin:
      return ResetReason.PinReset;
    case HardwareResetReason.Lockup:
      return ResetReason.Lockup;
    case HardwareResetReason.BrownOut:
      return ResetReason.BrownOutReset;
    case HardwareResetReason.WakeFromOff:
      return ResetReason.DeepSleep;
    case HardwareResetReason.PowerOn:
      return ResetReason.PowerOnReset;
    default:
      return stored; // Unknown (0) when nothing was stored
  }
}
