import { describe, expect, it } from 'vitest';
import { BlobStore } from '../src/storage/blob-store.ts';
import { FakeFlash, FakePowerCut } from '../src/testing/fake-ports.ts';
import { createRandom } from '../src/random.ts';
import { utf8Decode, utf8Encode } from '../src/storage/utf8.ts';

describe('BlobStore', () => {
  it('returns the last value written, across reloads and block switches', () => {
    const flash = new FakeFlash(2);
    const store = new BlobStore(flash, 0);
    expect(store.read()).toBeUndefined();
    for (let i = 0; i < 500; i++) store.write(`{"configVersion":${i},"reminderMinutes":[480,1200]}`);
    expect(new BlobStore(flash, 0).read()).toBe('{"configVersion":499,"reminderMinutes":[480,1200]}');
    expect(flash.bitsNotSet).toBe(0);
  });

  it('a power cut at any byte leaves either the old or the new value, never garbage', () => {
    const rnd = createRandom(5);
    for (let trial = 0; trial < 300; trial++) {
      const flash = new FakeFlash(2);
      const store = new BlobStore(flash, 0);
      let last: string | undefined;
      let writing: string | undefined;
      flash.budget = Math.floor(rnd() * 12000);
      try {
        for (let i = 0; i < 200; i++) {
          writing = `serial-${i}-${'x'.repeat(i % 40)}`;
          store.write(writing);
          last = writing;
        }
      } catch (error) {
        if (!(error instanceof FakePowerCut)) throw error;
      }
      flash.budget = undefined;
      const value = new BlobStore(flash, 0).read();
      expect([last, writing]).toContain(value);
      const again = new BlobStore(flash, 0);
      again.write('after');
      expect(new BlobStore(flash, 0).read()).toBe('after');
    }
  });

  it('round-trips UTF-8', () => {
    const text = 'Zoë 💊 ok';
    expect(utf8Decode(utf8Encode(text))).toBe(text);
    expect(utf8Encode('é')).toEqual(new Uint8Array([0xc3, 0xa9]));
  });
});
