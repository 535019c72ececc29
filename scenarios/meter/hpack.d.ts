/** The part of hpack.js (RFC 7541, no types of its own) the HTTP/2 meter uses. */
declare module 'hpack.js' {
  interface HeaderField {
    name: string;
    value: string;
  }
  interface Decompressor {
    write(block: Buffer): void;
    execute(): void;
    read(): HeaderField | null;
  }
  const hpack: { decompressor: { create(options: { table: { size: number } }): Decompressor } };
  export default hpack;
}
