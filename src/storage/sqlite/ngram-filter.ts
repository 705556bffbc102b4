/**
 * A per-chunk filter over the 4-byte substrings (4-grams) of its messages, so a search for a
 * literal substring can skip every chunk that lacks one of the term's 4-grams.
 *
 * Why 4-grams rather than trigrams or tokens: filter-pattern terms match anywhere inside words, so
 * only an n-gram set is sound; and trigrams saturate on the high-entropy text that rare-term
 * searches look for (all 4,096 hex trigrams occur in any chunk with a few hundred request ids),
 * while 4-grams of hex ids still leave most of the 65,536 possible ones unset.
 *
 * It is a one-hash bloom filter (a bitmap of 2^k bits): a term of L bytes has L-3 4-grams and the chunk is
 * skipped if any of them is unset, so even a 40-64% fill gives a small false-positive rate for a
 * term of 10+ bytes, at about 1.5 bits per distinct 4-gram.
 */

/**
 * The filter is built at 1 bit per message byte (at most START_BITS), then folded in half (bit pairs OR-ed, which is
 * what a table of half the size would hold, since slots are the hash's high bits) while it stays
 * under FOLD_BELOW_FILL: its size follows the number of distinct 4-grams, not the text's length,
 * so a chunk full of random ids keeps a useful filter and a repetitive one costs little.
 * On the bench's mixed logs that is about 1 byte per event.
 */
// 0.3 was the first choice; 0.4 halves the bench's mixed-log filters (1.64 -> 0.82 bytes per
// event: a 5,000-event chunk's filter folds from 16 to 8 KB) and lets through 5.5% of absent
// 16-hex-digit ids in a chunk made of nothing but random ids (test/storage/sqlite-codec.test.ts),
// against ~3% before.
const FOLD_BELOW_FILL = 0.4;
const MIN_BYTES = 64;

/** Fibonacci hashing: the product's high bits depend on every bit of the 4-gram; a table of 2^k bits uses the top k. */
function slot(gram: number, shift: number): number {
  return Math.imul(gram, 0x9e3779b1) >>> shift;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x; x >>>= 1) n += x & 1;
  return n;
});
/** Bit pairs of a byte OR-ed into a nibble: bit i of the result is bit 2i | bit 2i+1 of the byte. */
const PAIR_OR = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let i = 0; i < 4; i++) if ((b >>> (2 * i)) & 3) n |= 1 << i;
  return n;
});

function fill(filter: Uint8Array): number {
  let set = 0;
  for (let i = 0; i < filter.length; i++) set += POPCOUNT[filter[i]!]!;
  return set / (filter.length * 8);
}

function fold(filter: Uint8Array): Buffer {
  const half = Buffer.alloc(filter.length / 2);
  for (let i = 0; i < half.length; i++) half[i] = PAIR_OR[filter[2 * i]!]! | (PAIR_OR[filter[2 * i + 1]!]! << 4);
  return half;
}

/**
 * The table starts at most START_BITS wide (32 KB: it stays in the L1 cache while every 4-gram of
 * the chunk sets a bit at random) rather than at the text's size: on the bench's logs a 1 MB chunk's
 * filter folds down to 8 KB either way, and building it went from ~320 to ~520 MB/s. A chunk with
 * more distinct 4-grams than that (random ids) keeps 32 KB at a higher fill; a 16-character hex id
 * still has 13 4-grams, so even a 50% fill passes a chunk without it once in 8,000.
 */
const START_BITS_LOG2 = 18;
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Builds the filter of messages text[offsets[i]..offsets[i+1]] (4-grams never span two messages). */
export function buildNgramFilter(text: Uint8Array, offsets: Uint32Array, count: number, belowFill = FOLD_BELOW_FILL): Buffer {
  return buildOf(text, offsets, undefined, count, offsets[count]! - offsets[0]!, belowFill);
}

/** The filter of the messages `events` (indices into offsets) only. */
function buildOf(text: Uint8Array, offsets: Uint32Array, events: Uint32Array | undefined, count: number, textBytes: number, belowFill: number): Buffer {
  let log2 = Math.log2(MIN_BYTES * 8);
  while (2 ** log2 < textBytes && log2 < START_BITS_LOG2) log2++;
  // Bits are set in 32-bit words, which on little-endian machines lays them out exactly as bit
  // s of byte s >>> 3 (what mayContain reads); a plain Uint8Array view, not a Buffer, for the loop.
  const words = new Int32Array(2 ** (log2 - 5));
  const shift = 32 - log2;
  const bytes = new Uint8Array(text.buffer, text.byteOffset, text.byteLength);
  for (let k = 0; k < count; k++) {
    const i = events ? events[k]! : k;
    const end = offsets[i + 1]!;
    let p = offsets[i]!;
    if (end - p < 4) continue;
    let gram = (bytes[p]! << 16) | (bytes[p + 1]! << 8) | bytes[p + 2]!;
    for (p += 3; p < end; p++) {
      gram = (gram << 8) | bytes[p]!;
      const s = slot(gram, shift);
      words[s >>> 5]! |= 1 << (s & 31);
    }
  }
  let filter: Buffer = Buffer.from(words.buffer);
  if (!LITTLE_ENDIAN) filter.swap32();
  while (filter.length > MIN_BYTES && fill(filter) < belowFill) filter = fold(filter);
  return filter;
}

// ---- block filters ------------------------------------------------------------------------------
// A chunk stored in blocks (codec.ts) has one filter per block, so that a search decompresses only
// the blocks that may hold its terms: [u8 blocks][u8 log2(bytes) per block][filters one after
// another]. Plain filters are a power of two long (>= 64 bytes); a block filter never is (its
// filters add up to a multiple of 64, plus 1 + blocks bytes).

/**
 * Block filters are folded to at least a 60% fill, not 50%: a chunk's block filters then take what
 * its one filter did (bench/chunk-size.ts: 0.82 B/event either way on mixed logs), and a false
 * positive costs a block, not the chunk. A 16-hex-digit id still passes a block without it about
 * once in 100, the bench's 21-byte rare word once in 1,000+.
 */
export const BLOCK_FOLD_BELOW_FILL = 0.6;
/** All blocks (a mask of blocksMayContain); a chunk stored in one piece is "block 0" of it. */
export const ALL_BLOCKS = 0xff;

/** The filters of each block's events (events[b]: indices into offsets), as one block filter. */
export function buildBlockFilters(text: Uint8Array, offsets: Uint32Array, events: readonly Uint32Array[], belowFill = FOLD_BELOW_FILL): Buffer {
  if (events.length < 2 || events.length > 8) throw new Error(`block filters: ${events.length} blocks`);
  const filters = events.map((e) => {
    let bytes = 0;
    for (const i of e) bytes += offsets[i + 1]! - offsets[i]!;
    return buildOf(text, offsets, e, e.length, bytes, belowFill);
  });
  const out = Buffer.allocUnsafe(1 + filters.length + filters.reduce((n, f) => n + f.length, 0));
  out[0] = filters.length;
  filters.forEach((f, b) => (out[1 + b] = Math.log2(f.length)));
  let at = 1 + filters.length;
  for (const f of filters) at += f.copy(out, at);
  return out;
}

// ---- sized block filters -------------------------------------------------------------------------
// Idle compaction's chunks in blocks (codec.ts, version 3) have block filters of any size in bits,
// each sized for its block's distinct 4-grams at SIZED_FILL rather than folded to a power of two
// (which leaves fills anywhere in [f, 2f - f^2)): [SIZED | blocks][uvarint bits x blocks][filters,
// each ceil(bits / 8) bytes][a zero byte when the whole would be a power of two long]. A 4-gram's
// slot is floor(h * bits / 2^32) for its hash h, which is h's top k bits for a table of 2^k bits:
// the one slot function serves every filter.

const SIZED = 0x80;

/**
 * A 4-gram sets one bit of its block's filter, so a fill of 0.75 passes a block without a given
 * 4-gram 75% of the time: what a compacted chunk's one filter did (folded below 0.5, they sat at
 * 0.74-0.76 on the 10M bench's chunks), so false positives decompress as many bytes as before,
 * a block at a time. The four blocks' distinct 4-grams add up to ~1.57x the chunk's; folded to
 * powers of two, their filters took 1.29 bytes per event against 0.68 in one piece.
 */
export const SIZED_FILL = 0.75;

/** The filters of each block's events (events[b]: indices into offsets), each sized for `targetFill`, as one sized block filter. */
export function buildSizedBlockFilters(text: Uint8Array, offsets: Uint32Array, events: readonly Uint32Array[], targetFill = SIZED_FILL): Buffer {
  if (events.length < 2 || events.length > 8) throw new Error(`block filters: ${events.length} blocks`);
  const bytes = new Uint8Array(text.buffer, text.byteOffset, text.byteLength);
  const filters = events.map((e) => {
    // A first pass into a table of up to 2^18 bits counts the distinct 4-grams (from its fill,
    // as a one-hash table of that size holds them), the second sets them in the filter's size.
    let textBytes = 0;
    for (const i of e) textBytes += offsets[i + 1]! - offsets[i]!;
    let log2 = Math.log2(MIN_BYTES * 8);
    while (2 ** log2 < 4 * textBytes && log2 < START_BITS_LOG2) log2++;
    const probe = new Uint8Array(2 ** (log2 - 3));
    setGrams(bytes, offsets, e, probe, probe.length * 8);
    const set = fill(probe);
    const grams = set >= 1 ? Number.POSITIVE_INFINITY : -Math.log(1 - set) * probe.length * 8;
    const bits = Math.max(MIN_BYTES * 8, Math.min(probe.length * 8, Math.ceil(grams / -Math.log(1 - targetFill))));
    if (bits === probe.length * 8) return { bits, filter: probe };
    const filter = new Uint8Array(Math.ceil(bits / 8));
    setGrams(bytes, offsets, e, filter, bits);
    return { bits, filter };
  });
  const head: number[] = [SIZED | filters.length];
  for (const { bits } of filters) for (let v = bits; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      head.push(v);
      break;
    }
    head.push((v % 128) | 128);
  }
  let length = head.length + filters.reduce((n, f) => n + f.filter.length, 0);
  const padded = (length & (length - 1)) === 0;
  if (padded) length++;
  const out = Buffer.alloc(length);
  out.set(head, 0);
  let at = head.length;
  for (const { filter } of filters) {
    out.set(filter, at);
    at += filter.length;
  }
  return out;
}

/**
 * Sets the slot of every 4-gram of messages `events` in a filter of `bits` bits. buildOf's loop
 * stays its own: sealing is on the ingest path, and its power-of-two slot is a shift where this
 * one multiplies and divides.
 */
function setGrams(bytes: Uint8Array, offsets: Uint32Array, events: Uint32Array, filter: Uint8Array, bits: number): void {
  for (let k = 0; k < events.length; k++) {
    const i = events[k]!;
    const end = offsets[i + 1]!;
    let p = offsets[i]!;
    if (end - p < 4) continue;
    let gram = (bytes[p]! << 16) | (bytes[p + 1]! << 8) | bytes[p + 2]!;
    for (p += 3; p < end; p++) {
      gram = (gram << 8) | bytes[p]!;
      const s = sizedSlot(gram, bits);
      filter[s >>> 3]! |= 1 << (s & 7);
    }
  }
}

/** The slot of a 4-gram in a filter of `bits` bits (slot()'s for a power of two). */
function sizedSlot(gram: number, bits: number): number {
  return Math.floor(((Math.imul(gram, 0x9e3779b1) >>> 0) * bits) / 4294967296);
}

function isBlockFilter(filter: Uint8Array): boolean {
  return (filter.length & (filter.length - 1)) !== 0;
}

/** Each block's filter (a view into the block filter) and its size in bits. */
function blockFilters(filter: Uint8Array): Array<{ filter: Uint8Array; bits: number }> {
  const sized = (filter[0]! & SIZED) !== 0;
  const n = filter[0]! & ~SIZED;
  const out: Array<{ filter: Uint8Array; bits: number }> = [];
  const bitsOf: number[] = [];
  let at = 1;
  for (let b = 0; b < n; b++) {
    if (!sized) {
      bitsOf.push(2 ** filter[at++]! * 8);
      continue;
    }
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      if (at >= filter.length) throw new Error('block filter truncated');
      const x = filter[at++]!;
      v += (x & 127) * scale;
      if (x < 128) break;
    }
    bitsOf.push(v);
  }
  for (const bits of bitsOf) {
    const size = Math.ceil(bits / 8);
    if (at + size > filter.length) throw new Error('block filter truncated');
    out.push({ filter: filter.subarray(at, at + size), bits });
    at += size;
  }
  return out;
}

/**
 * Which blocks of a chunk may hold a message containing every term: bit b for block b, 0 when
 * none can (the chunk is skipped), ALL_BLOCKS for a chunk filter that admits them.
 */
export function blocksMayContain(filter: Uint8Array, terms: readonly Uint8Array[]): number {
  if (!isBlockFilter(filter)) return terms.every((t) => mayContain(filter, t)) ? ALL_BLOCKS : 0;
  let mask = 0;
  blockFilters(filter).forEach(({ filter: f, bits }, b) => {
    if (terms.every((t) => mayContainIn(f, bits, t))) mask |= 1 << b;
  });
  return mask;
}

/**
 * Idle compaction builds a chunk's filter folded further, to at least a 50% fill. On the bench this took filters from 1.43 to
 * about 0.8 bytes per event; a 10-byte term (seven 4-grams) still skips 87-99% of the chunks
 * without it, a 16-digit hex id 97-99.99%.
 */
export const COMPACT_FOLD_BELOW_FILL = 0.5;

/** False when the chunk certainly holds no message containing term (UTF-8 bytes); terms under 4 bytes always pass. */
export function mayContain(filter: Uint8Array, term: Uint8Array): boolean {
  if (term.length < 4 || filter.length === 0) return true;
  if (isBlockFilter(filter)) return blockFilters(filter).some(({ filter: f, bits }) => mayContainIn(f, bits, term));
  return mayContainIn(filter, filter.length * 8, term);
}

/** mayContain for one filter of `bits` bits. */
function mayContainIn(filter: Uint8Array, bits: number, term: Uint8Array): boolean {
  if (term.length < 4) return true;
  let gram = (term[0]! << 16) | (term[1]! << 8) | term[2]!;
  for (let p = 3; p < term.length; p++) {
    gram = (gram << 8) | term[p]!;
    const s = sizedSlot(gram, bits);
    if ((filter[s >>> 3]! & (1 << (s & 7))) === 0) return false;
  }
  return true;
}

/** Fraction of bits set: for measurement and tests. */
export function fillRatio(filter: Uint8Array): number {
  return filter.length === 0 ? 0 : fill(filter);
}
