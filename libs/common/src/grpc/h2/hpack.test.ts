import hpackJs from 'hpack.js';
import { table as hpackJsStaticTable } from 'hpack.js/lib/hpack/static-table';
import { describe, expect, it } from 'vitest';
import { HeaderBlockWriter, HpackDecoder, HpackError, STATIC, STATIC_TABLE_FOR_TESTS } from './hpack';

// An independent HPACK implementation (the hpack.js package) to encode what this decoder must read
// and to read what this encoder writes.
type Compressor = ReturnType<(typeof hpackJs)['compressor']['create']>;

function compressed(compressor: Compressor, fields: Parameters<Compressor['write']>[0]): Buffer {
  compressor.write(fields);
  const parts: Buffer[] = [];
  for (let part = compressor.read(); part !== null; part = compressor.read()) parts.push(part);
  return Buffer.concat(parts);
}

function decodedByHpackJs(block: Buffer): Array<[string, string]> {
  const decompressor = hpackJs.decompressor.create({ table: { maxSize: 4096 } });
  decompressor.write(block);
  decompressor.execute();
  const fields: Array<[string, string]> = [];
  for (let field = decompressor.read(); field !== null; field = decompressor.read()) fields.push([field.name, field.value]);
  return fields;
}

describe('HPACK decoder', () => {
  it('knows the static table of RFC 7541', () => {
    expect(STATIC_TABLE_FOR_TESTS.map(([name, value]) => ({ name, value }))).toEqual(hpackJsStaticTable.map(({ name, value }) => ({ name, value })));
  });

  it("reads RFC 7541's first Huffman-coded request (C.4.1)", () => {
    const block = Buffer.from('828684418cf1e3c2e5f23a6ba0ab90f4ff', 'hex');
    expect(new HpackDecoder().decode(block)).toEqual({ ':method': 'GET', ':scheme': 'http', ':path': '/', ':authority': 'www.example.com' });
  });

  it('follows the dynamic table across a connection: indexed entries, evictions, size updates, Huffman and plain strings', () => {
    const compressor = hpackJs.compressor.create({ table: { maxSize: 4096 } });
    const decoder = new HpackDecoder();
    const answers = [
      [{ name: ':status', value: '200' }, { name: 'content-type', value: 'application/grpc' }, { name: 'x-trace', value: 'a'.repeat(300) }],
      [{ name: ':status', value: '200' }, { name: 'content-type', value: 'application/grpc' }, { name: 'x-trace', value: 'a'.repeat(300) }],
      [{ name: 'grpc-status', value: '0' }, { name: 'grpc-message', value: 'all good, "thanks" ~ %20', huffman: false }],
      // Past 4,096 octets: the oldest entries are evicted on both sides.
      ...Array.from({ length: 30 }, (_, i) => [{ name: `x-field-${i}`, value: `value ${i} `.repeat(20) }, { name: 'grpc-status', value: String(i % 17) }]),
      [{ name: 'x-secret', value: 'never indexed', neverIndex: true }, { name: 'x-plain', value: 'not indexed', incremental: false }],
    ];
    for (const fields of answers) {
      const expected: Record<string, string> = {};
      for (const { name, value } of fields) expected[name] = value;
      const block = compressed(compressor, fields);
      expect(decoder.decode(block)).toEqual(expected);
    }
  });

  it("empties its table on a size update to 0, and fills it again after one back to 4,096", () => {
    const decoder = new HpackDecoder();
    // 0x40: literal with incremental indexing, new name; then "x-a" and "1", plain.
    decoder.decode(Buffer.from([0x40, 0x03, 0x78, 0x2d, 0x61, 0x01, 0x31]));
    expect(decoder.decode(Buffer.from([0xbe]))).toEqual({ 'x-a': '1' }); // index 62: the newest entry
    expect(() => decoder.decode(Buffer.from([0x20, 0xbe]))).toThrow(HpackError); // size 0 evicts it
    decoder.decode(Buffer.from([0x3f, 0xe1, 0x1f, 0x40, 0x03, 0x78, 0x2d, 0x62, 0x01, 0x32])); // back to 4,096, then x-b: 2
    expect(decoder.decode(Buffer.from([0xbe]))).toEqual({ 'x-b': '2' });
  });

  it('gives a repeated name all its values, in order', () => {
    const compressor = hpackJs.compressor.create({ table: { maxSize: 4096 } });
    const block = compressed(compressor, [
      { name: 'x-multi', value: 'one' },
      { name: 'x-multi', value: 'two' },
      { name: 'x-multi', value: 'three' },
    ]);
    expect(new HpackDecoder().decode(block)).toEqual({ 'x-multi': ['one', 'two', 'three'] });
  });

  it('refuses a block it cannot read', () => {
    expect(() => new HpackDecoder().decode(Buffer.from([0x80]))).toThrow(HpackError); // index 0
    expect(() => new HpackDecoder().decode(Buffer.from([0xbe]))).toThrow(HpackError); // index 62, an empty dynamic table
    expect(() => new HpackDecoder().decode(Buffer.from([0x00, 0x05, 0x61]))).toThrow(HpackError); // a string cut short
    expect(() => new HpackDecoder().decode(Buffer.from([0x3f, 0xe9, 0x26]))).toThrow(HpackError); // a table size beyond 4,096
    expect(() => new HpackDecoder().decode(Buffer.from([0x00, 0x81, 0xff, 0x01, 0x61]))).toThrow(HpackError); // Huffman: 8 bits of padding
  });
});

describe('HPACK request encoder', () => {
  it('writes fields any decoder reads: static entries, literal values under static names, literal names, long strings', () => {
    const long = 'x'.repeat(1000);
    const block = new HeaderBlockWriter()
      .indexed(STATIC.methodPost)
      .indexed(STATIC.schemeHttp)
      .withIndexedName(STATIC.path, '/kairos.history.v1.HistoryService/StartWorkflowExecution')
      .withIndexedName(STATIC.authority, '10.0.0.7:7234')
      .withIndexedName(STATIC.contentType, 'application/grpc')
      .literal('te', 'trailers')
      .literal('x-long', long)
      .finish();
    const expected: Array<[string, string]> = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/kairos.history.v1.HistoryService/StartWorkflowExecution'],
      [':authority', '10.0.0.7:7234'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['x-long', long],
    ];
    expect(decodedByHpackJs(block)).toEqual(expected);
    expect(new HpackDecoder().decode(block)).toEqual(Object.fromEntries(expected));
  });
});
