/**
 * Retained values (32 x 32-bit words that survive a reset but not a power loss; 0 after power loss).
 * Slots used by the core; connectivity may use slots 16..31. A const enum: the build inlines the numbers.
 */
export const enum RetainedSlot {
  Magic = 0, // RETAINED_MAGIC when the words below are meaningful
  ResetIntent = 1, // Memfault-style reason stored just before an intentional reset (0 = none)
  CrashCount = 2, // unexpected resets since the last heartbeat took the counters
  TimeSource = 3, // TimeSource of the RTC
  WatchdogTask = 4, // id of the task that starved the software watchdog
  LidOpenBoot = 5, // boot + 1 of an opening in progress at reset (0 = none)
  LidOpenUptimeS = 6, // uptimeS of that opening
  LidOpenUnixS = 7, // unixS of that opening (0 = unknown)
}

export const RETAINED_MAGIC = 0x50434150; // 'PCAP'
