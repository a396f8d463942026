import type { IncomingHttpHeaders } from 'node:http2';
// RFC 7541's Huffman code, as [bit length, code] per symbol (256 is EOS), from the hpack.js package.
import { encode as HUFFMAN_CODE } from 'hpack.js/lib/hpack/huffman';

/**
 * HPACK (RFC 7541) for Kairos's own HTTP/2 client: a decoder of everything a server may send
 * (indexed and literal fields, the dynamic table and its size updates, Huffman-coded strings), and
 * an encoder of request headers that never indexes and never Huffman-codes (what it sends is
 * small and decoded in C by the server; keeping no table here keeps both sides trivially in step).
 */

/** RFC 7541 Appendix A: the static table, index 1 first. */
const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/** An HPACK block that cannot be decoded: a connection error (COMPRESSION_ERROR). */
export class HpackError extends Error {}

/**
 * The Huffman code as a binary tree in one array: node n's children are at 2n and 2n+1 (bit 0, bit
 * 1); a leaf holds -1 - symbol. Node 0 is the root. Built once.
 */
const HUFFMAN_TREE: Int32Array = (() => {
  const children: number[] = [0, 0];
  let nodes = 1;
  HUFFMAN_CODE.forEach(([bits, code]: [number, number], symbol: number) => {
    let node = 0;
    for (let i = bits - 1; i >= 0; i--) {
      const slot = 2 * node + ((code >>> i) & 1);
      if (i === 0) {
        children[slot] = -1 - symbol;
      } else {
        if (children[slot] === undefined || children[slot] === 0) {
          children[slot] = nodes++;
          children.push(0, 0);
        }
        node = children[slot]!;
      }
    }
  });
  return Int32Array.from(children);
})();

const EOS = 256;

function huffmanDecode(bytes: Buffer, start: number, end: number): string {
  const out = Buffer.allocUnsafe(Math.ceil(((end - start) * 8) / 5) + 1); // the shortest code is 5 bits
  let length = 0;
  let node = 0;
  let depth = 0; // bits since the last symbol, for the padding check
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      const next = HUFFMAN_TREE[2 * node + ((byte >>> bit) & 1)]!;
      depth++;
      if (next < 0) {
        const symbol = -1 - next;
        if (symbol === EOS) throw new HpackError('Huffman string contains EOS');
        out[length++] = symbol;
        node = 0;
        depth = 0;
      } else {
        node = next;
      }
    }
  }
  // What is left must be a prefix of EOS (all ones) shorter than a byte.
  if (depth > 7) throw new HpackError('Huffman string has more than 7 bits of padding');
  return out.toString('latin1', 0, length);
}

/** The dynamic table: newest entry first; its size counts 32 octets per entry besides name and value. */
class DynamicTable {
  private entries: Array<readonly [string, string]> = [];
  private size = 0;
  constructor(private maxSize: number) {}

  get(index: number): readonly [string, string] | undefined {
    return this.entries[index];
  }

  add(name: string, value: string): void {
    this.entries.unshift([name, value]);
    this.size += 32 + name.length + value.length;
    this.evict();
  }

  resize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize) {
      const [name, value] = this.entries.pop()!;
      this.size -= 32 + name.length + value.length;
    }
  }
}

/** Decodes a connection's header blocks, in the order they arrive (the dynamic table is the connection's). */
export class HpackDecoder {
  private readonly table: DynamicTable;
  private position = 0;
  private block: Buffer = Buffer.alloc(0);

  /** `maxTableSize`: the SETTINGS_HEADER_TABLE_SIZE this side announced (4096 unless it said otherwise). */
  constructor(private readonly maxTableSize = 4096) {
    this.table = new DynamicTable(maxTableSize);
  }

  /** The fields of one complete header block; a repeated name gets an array of its values, in order. */
  decode(block: Buffer): IncomingHttpHeaders {
    this.block = block;
    this.position = 0;
    const headers: IncomingHttpHeaders = {};
    while (this.position < block.length) {
      const first = block[this.position]!;
      let name: string;
      let value: string;
      if (first & 0x80) {
        [name, value] = this.entry(this.integer(7));
      } else if (first & 0x40) {
        [name, value] = this.literal(6);
        this.table.add(name, value);
      } else if (first & 0x20) {
        const size = this.integer(5);
        if (size > this.maxTableSize) throw new HpackError(`table size update to ${size} exceeds ${this.maxTableSize}`);
        this.table.resize(size);
        continue;
      } else {
        [name, value] = this.literal(4); // without indexing, or never indexed
      }
      const seen = headers[name];
      if (seen === undefined) headers[name] = value;
      else if (Array.isArray(seen)) seen.push(value);
      else headers[name] = [seen as string, value];
    }
    return headers;
  }

  private entry(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError('index 0');
    const entry = index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : this.table.get(index - STATIC_TABLE.length - 1);
    if (!entry) throw new HpackError(`index ${index} is in neither table`);
    return entry;
  }

  private literal(prefixBits: number): [string, string] {
    const nameIndex = this.integer(prefixBits);
    const name = nameIndex === 0 ? this.string() : this.entry(nameIndex)[0];
    return [name, this.string()];
  }

  /** An integer with an N-bit prefix (RFC 7541 5.1), starting at the current octet. */
  private integer(prefixBits: number): number {
    const block = this.block;
    if (this.position >= block.length) throw new HpackError('truncated integer');
    const max = (1 << prefixBits) - 1;
    let value = block[this.position++]! & max;
    if (value < max) return value;
    let shift = 0;
    for (;;) {
      if (this.position >= block.length) throw new HpackError('truncated integer');
      const byte = block[this.position++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return value;
      if (shift > 28) throw new HpackError('integer too large');
    }
  }

  private string(): string {
    const huffman = (this.block[this.position]! & 0x80) !== 0;
    const length = this.integer(7);
    const start = this.position;
    const end = start + length;
    if (end > this.block.length) throw new HpackError('truncated string');
    this.position = end;
    return huffman ? huffmanDecode(this.block, start, end) : this.block.toString('latin1', start, end);
  }
}

/** Writes header fields as literals without indexing, plain strings (no Huffman). */
export class HeaderBlockWriter {
  private buffer = Buffer.allocUnsafe(256);
  private length = 0;

  /** A field from the static table, name and value (`:method: POST`, `:scheme: http`). */
  indexed(index: number): this {
    this.reserve(6);
    this.writeInteger(index, 7, 0x80);
    return this;
  }

  /** A literal value under a static table name (`:path`, `content-type`). */
  withIndexedName(nameIndex: number, value: string): this {
    this.reserve(6);
    this.writeInteger(nameIndex, 4, 0);
    this.writeString(value);
    return this;
  }

  /** A literal field with a literal (lowercase) name. */
  literal(name: string, value: string): this {
    this.reserve(1);
    this.buffer[this.length++] = 0;
    this.writeString(name);
    this.writeString(value);
    return this;
  }

  /** The block written so far (a copy the writer no longer touches). */
  finish(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  private writeString(value: string): void {
    const bytes = Buffer.byteLength(value, 'latin1');
    this.reserve(6 + bytes);
    this.writeInteger(bytes, 7, 0);
    this.length += this.buffer.write(value, this.length, 'latin1');
  }

  private writeInteger(value: number, prefixBits: number, flags: number): void {
    const max = (1 << prefixBits) - 1;
    if (value < max) {
      this.buffer[this.length++] = flags | value;
      return;
    }
    this.buffer[this.length++] = flags | max;
    let rest = value - max;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Static table indexes the request encoder uses. */
export const STATIC = {
  authority: 1,
  methodPost: 3,
  status200: 8,
  path: 4,
  schemeHttp: 6,
  schemeHttps: 7,
  contentType: 31,
  userAgent: 58,
} as const;

/** For tests: the static table as this module knows it. */
export const STATIC_TABLE_FOR_TESTS = STATIC_TABLE;
