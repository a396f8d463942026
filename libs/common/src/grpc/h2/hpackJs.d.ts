/** The one part of the hpack.js package Kairos uses: RFC 7541's Huffman code, [bit length, code] per symbol. */
declare module 'hpack.js/lib/hpack/huffman' {
  export const encode: Array<[number, number]>;
}

/** hpack.js's static table (its tests compare Kairos's with it). */
declare module 'hpack.js/lib/hpack/static-table' {
  export const table: Array<{ name: string; value: string }>;
}

/** hpack.js's encoder and decoder (its tests read and write header blocks with them). */
declare module 'hpack.js' {
  interface Field {
    name: string;
    value: string;
    huffman?: boolean;
    incremental?: boolean;
    neverIndex?: boolean;
  }
  const hpack: {
    compressor: { create(options: { table: { maxSize: number } }): { write(fields: Field[]): void; read(): Buffer | null } };
    decompressor: { create(options: { table: { maxSize: number } }): { write(block: Buffer): void; execute(): void; read(): Field | null } };
  };
  export default hpack;
}
