/** The one part of the hpack.js package Kairos uses: RFC 7541's Huffman code, [bit length, code] per symbol. */
declare module 'hpack.js/lib/hpack/huffman' {
  export const encode: Array<[number, number]>;
}
