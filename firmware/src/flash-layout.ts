/**
 * How the firmware divides the flash port's region (4 KiB erase blocks):
 *
 *   blocks 0-1    identity store (serial number, provisioned by the factory console)
 *   blocks 2-3    config store (the last DeviceConfig received from the cloud)
 *   blocks 4-67   event log: 64 blocks = 256 KiB (one block is always kept free as the spare)
 *   block  68     scratch block for the factory `selftest` (write, read back, erase)
 *
 * The simulator and the Moddable port expose REQUIRED_FLASH_BLOCKS blocks. With fewer, the log shrinks to
 * what is left after block 4 and the scratch block (at least 3 blocks).
 */
export const IDENTITY_FIRST_BLOCK = 0;
export const CONFIG_FIRST_BLOCK = 2;
export const STORE_BLOCKS = 2;
export const LOG_FIRST_BLOCK = 4;
export const LOG_BLOCKS = 64;
export const REQUIRED_FLASH_BLOCKS = LOG_FIRST_BLOCK + LOG_BLOCKS + 1;
export const FLASH_BLOCK_SIZE = 4096;

/** Log size and scratch block for a flash of `blockCount` blocks. */
export function flashPlan(blockCount: number): { logFirstBlock: number; logBlocks: number; scratchBlock: number } {
  const logBlocks = Math.min(LOG_BLOCKS, blockCount - LOG_FIRST_BLOCK - 1);
  return { logFirstBlock: LOG_FIRST_BLOCK, logBlocks, scratchBlock: LOG_FIRST_BLOCK + logBlocks };
}
