// Text to UTF-8 bytes for the serializer's byte stream (to-yaml.ts, writeYamlBytes): pieces are
// encoded straight into one reused buffer, and the buffer is handed on whenever the next piece
// might not fit. At 100,000 resources this is what keeps the output from being held as joined
// strings, and the garbage collector from seeing a buffer per chunk. A piece the writer caches
// (a Piece) is copied as bytes from its second write on: copying costs a third of encoding again.

/** Buffer's own UTF-8 writer: Buffer#write's argument handling costs as much again per piece. */
type Utf8Writer = Buffer & { utf8Write?: (s: string, offset: number) => number };

/**
 * A piece of text the writer caches (a key line, a `key: value` line, a shared object's text),
 * with its UTF-8 bytes from its second write as bytes on: copying bytes costs a third of
 * encoding the text again.
 */
export class Piece {
  bytes: Uint8Array | undefined;
  written = 0;
  constructor(readonly text: string) {}
}

/** Pieces of text to bytes in one buffer, handed on whenever the next piece might not fit. */
export class ByteSink {
  private readonly buf: Utf8Writer;
  private pos = 0;
  constructor(
    private readonly write: (bytes: Uint8Array) => void,
    size: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 16));
  }

  text(s: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
    if (this.pos + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        this.write(Buffer.from(s, 'utf8'));
        return;
      }
    }
    const buf = this.buf;
    this.pos += buf.utf8Write !== undefined ? buf.utf8Write(s, this.pos) : buf.write(s, this.pos);
  }

  piece(p: Piece): void {
    let bytes = p.bytes;
    if (bytes === undefined) {
      if (p.written++ === 0) {
        this.text(p.text);
        return;
      }
      bytes = p.bytes = Buffer.from(p.text, 'utf8');
    }
    if (this.pos + bytes.length > this.buf.length) {
      this.flush();
      if (bytes.length > this.buf.length) {
        this.write(bytes);
        return;
      }
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  end(): void {
    this.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
}
