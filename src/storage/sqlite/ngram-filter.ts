/**
 * A per-chunk filter over the 4-byte substrings (4-grams) of its messages, so a search for a
 * literal substring can skip every chunk that lacks one of the term's 4-grams.
 *
 * Why 4-grams rather than trigrams or tokens: filter-pattern terms match anywhere inside words, so
 * only an n-gram set is sound; and trigrams saturate on the high-entropy text that rare-term
 * searches look for (all 4,096 hex trigrams occur in any chunk with a few hundred request ids),
 * while 4-grams of hex ids still leave most of the 65,536 possible ones unset.
 *
 * It is a one-hash bloom filter (a bitmap): a term of L bytes has L-3 4-grams and the chunk is
 * skipped if any of them is unset, so even a 30-40% fill gives a tiny false-positive rate for a
 * term of 10+ bytes, at about 1.5 bits per distinct 4-gram.
 */

/**
 * Filter bits per message byte: on the bench's mixed logs (about 150 bytes per message) this is
 * about 1 byte per event, about 45% of bits set, and under 1% of chunks kept for a 16-hex-digit id
 * that is not in them.
 */
const BITS_PER_TEXT_BYTE = 0.055;
const MIN_BYTES = 64;
const MAX_BYTES = 1 << 20;

/** Fibonacci hashing (the product's high bits depend on every bit of the 4-gram), scaled to the table. */
function slot(gram: number, bits: number): number {
  return Math.floor(((Math.imul(gram, 0x9e3779b1) >>> 0) * bits) / 4294967296);
}

/** Builds the filter of messages text[offsets[i]..offsets[i+1]] (4-grams never span two messages). */
export function buildNgramFilter(text: Uint8Array, offsets: Uint32Array, count: number): Buffer {
  const textBytes = offsets[count]! - offsets[0]!;
  const size = Math.min(MAX_BYTES, Math.max(MIN_BYTES, Math.ceil((textBytes * BITS_PER_TEXT_BYTE) / 8)));
  const filter = Buffer.alloc(size);
  const bits = size * 8;
  for (let i = 0; i < count; i++) {
    const end = offsets[i + 1]!;
    let p = offsets[i]!;
    if (end - p < 4) continue;
    let gram = (text[p]! << 16) | (text[p + 1]! << 8) | text[p + 2]!;
    for (p += 3; p < end; p++) {
      gram = (gram << 8) | text[p]!;
      const s = slot(gram, bits);
      filter[s >>> 3]! |= 1 << (s & 7);
    }
  }
  return filter;
}

/** False when the chunk certainly holds no message containing term (UTF-8 bytes); terms under 4 bytes always pass. */
export function mayContain(filter: Uint8Array, term: Uint8Array): boolean {
  if (term.length < 4 || filter.length === 0) return true;
  const bits = filter.length * 8;
  let gram = (term[0]! << 16) | (term[1]! << 8) | term[2]!;
  for (let p = 3; p < term.length; p++) {
    gram = (gram << 8) | term[p]!;
    const s = slot(gram, bits);
    if ((filter[s >>> 3]! & (1 << (s & 7))) === 0) return false;
  }
  return true;
}

/** Fraction of bits set: for measurement and tests. */
export function fillRatio(filter: Uint8Array): number {
  let set = 0;
  for (const byte of filter) {
    let b = byte;
    while (b) {
      set += b & 1;
      b >>>= 1;
    }
  }
  return filter.length === 0 ? 0 : set / (filter.length * 8);
}
