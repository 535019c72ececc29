/** The part of hpack.js (RFC 7541, no types of its own) the HTTP/2 meter uses. */
declare module 'hpack.js' {
  interface HeaderField {
    name: string;
    value: string;
  }
  interface Decompressor {
    write(block: Buffer): void;
    /** Decodes what was written; a malformed block emits 'error'. */
    execute(): void;
    read(): HeaderField | null;
    /** Sets the table's current size (a dynamic table size update may raise it up to maxSize). */
    updateTableSize(size: number): void;
    once(event: 'error', listener: (error: Error) => void): void;
    removeAllListeners(event: 'error'): void;
  }
  const hpack: { decompressor: { create(options: { table: { maxSize: number } }): Decompressor } };
  export default hpack;
}
