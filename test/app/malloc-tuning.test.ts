/** The native malloc settings load and apply on glibc (npm install builds native/malloc-tuning). */
import { describe, expect, it } from 'vitest';
import { trimMalloc, tuneMalloc } from '../../src/app/malloc-tuning.js';

const glibc = Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime);

describe('malloc tuning', () => {
  it.runIf(glibc)('is built by npm install and taken by glibc', () => {
    expect(tuneMalloc()).toBe(true);
    expect(typeof trimMalloc()).toBe('boolean');
  });
});
