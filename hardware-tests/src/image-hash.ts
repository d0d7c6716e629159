/**
 * The image hash a unit must report through `ident` after flashing a bundle, computed the way F1's build
 * (firmware/build/build-firmware.ts) computes ports.build.imageHash: the first 16 bytes (32 hex digits) of
 * SHA-256 over the bundle text built with a zero placeholder in place of the hash. The bundle carries its
 * hash in the header line and as the one string literal the bundler inlined; putting the placeholder back
 * and hashing again recomputes it from the code, so a corrupted or edited bundle is caught before flashing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const IMAGE_HASH_HEX_DIGITS = 32;
const PLACEHOLDER = '0'.repeat(IMAGE_HASH_HEX_DIGITS);
const HEADER = /^\/\* pillcap firmware (\S+) image ([0-9a-f]{32}) /;
const FACTORY_MOD_HEADER = /^\/\* pillcap factory mod (\S+) for image ([0-9a-f]{32}) /;
/** File name of the factory mod the build writes beside the device bundle (firmware/build/build-firmware.ts). */
export const FACTORY_MOD_FILE = 'pillcap-factory-mod.js';

export class BundleError extends Error {
  constructor(readonly bundlePath: string, detail: string) {
    super(`${bundlePath}: ${detail}`);
    this.name = 'BundleError';
  }
}

export interface BundleIdentity {
  version: string;
  imageHash: string;
  buildUnixS: number;
  bytes: number;
}

/** Hash of the code in `text` (a device bundle as the build wrote it), recomputed; throws if it disagrees. */
export function bundleIdentity(text: string, bundlePath = 'bundle'): BundleIdentity {
  const newline = text.indexOf('\n');
  const header = HEADER.exec(newline < 0 ? text : text.slice(0, newline));
  if (!header) throw new BundleError(bundlePath, 'not a pillcap device bundle (no "pillcap firmware <version> image <hash>" header)');
  const claimed = header[2];
  const body = text.slice(newline + 1);
  const literal = JSON.stringify(claimed);
  if (!body.includes(literal)) throw new BundleError(bundlePath, `image hash ${claimed} of the header is not compiled into the code`);
  const recomputed = createHash('sha256').update(body.split(literal).join(JSON.stringify(PLACEHOLDER))).digest('hex').slice(0, IMAGE_HASH_HEX_DIGITS);
  if (recomputed !== claimed) throw new BundleError(bundlePath, `corrupt bundle: code hashes to ${recomputed}, header says ${claimed}`);
  // The minifier may write the build time in hex (firmware/build/build-firmware.ts, minifyBundle).
  const build = /buildUnixS:\s*(0x[0-9a-fA-F]+|\d+)/.exec(body);
  return { version: header[1], imageHash: claimed, buildUnixS: build ? Number(build[1]) : 0, bytes: Buffer.byteLength(text) };
}

export function expectedImageHash(bundlePath: string): string {
  return bundleIdentity(readFileSync(bundlePath, 'utf8'), bundlePath).imageHash;
}

/** Where the station looks for the factory mod of a device bundle: the file the build wrote beside it. */
export function factoryModPathFor(bundlePath: string): string {
  return join(dirname(bundlePath), FACTORY_MOD_FILE);
}

/**
 * Reads the factory mod (the modem console, installed next to the image on the line) beside `bundlePath`;
 * throws unless it is there and was built for `imageHash`: the image would refuse another one, and the
 * station's modem steps would then fail for a reason that is not the unit's.
 */
export function readFactoryMod(bundlePath: string, imageHash: string): { path: string; text: string } {
  const path = factoryModPathFor(bundlePath);
  if (!existsSync(path)) throw new BundleError(path, 'factory mod missing: the firmware build writes it beside the device bundle');
  const text = readFileSync(path, 'utf8');
  checkFactoryMod(text, imageHash, path);
  return { path, text };
}

function checkFactoryMod(text: string, imageHash: string, modPath: string): void {
  const newline = text.indexOf('\n');
  const header = FACTORY_MOD_HEADER.exec(newline < 0 ? text : text.slice(0, newline));
  if (!header) throw new BundleError(modPath, 'not a pillcap factory mod (no "pillcap factory mod <version> for image <hash>" header)');
  if (header[2] !== imageHash) throw new BundleError(modPath, `factory mod built for image ${header[2]}, the bundle is image ${imageHash}: build both together`);
}
