// Little-endian binary writer/reader for record payloads. Integers up to
// 2^53 are stored as u64 (two u32 halves); strings as u32 length + UTF-8.

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const TWO_32 = 0x1_0000_0000;

/** Appends values to a growable buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private used = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.used;
  }

  get capacity(): number {
    return this.buf.length;
  }

  /** Starts over, keeping the buffer (the bytes() view handed out before is overwritten). */
  reset(): void {
    this.used = 0;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.used + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.used));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.used++] = v;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.used, v, true);
    this.used += 4;
  }

  u64(v: number): void {
    this.reserve(8);
    this.view.setUint32(this.used, v % TWO_32, true);
    this.view.setUint32(this.used + 4, Math.floor(v / TWO_32), true);
    this.used += 8;
  }

  /** A string, prefixed with its UTF-8 length. */
  str(s: string): void {
    this.reserve(4);
    const at = this.used;
    this.used += 4;
    this.utf8(s);
    this.view.setUint32(at, this.used - at - 4, true);
  }

  /** A string's UTF-8 bytes, unprefixed. */
  utf8(s: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.reserve(s.length * 3);
    this.used += encoder.encodeInto(s, this.buf.subarray(this.used)).written;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** The bytes written so far (a view; copy before writing more if you keep it). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.used);
  }
}

/** Collects text as UTF-8 bytes, encoding it in pieces of about 64 KB. */
export class Utf8Builder {
  private pending = "";
  private readonly out = new ByteWriter(1 << 16);

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= 1 << 16) this.flush();
  }

  /** Everything written, as bytes (a view of this builder's buffer). */
  bytes(): Uint8Array {
    this.flush();
    return this.out.bytes();
  }

  private flush(): void {
    if (this.pending === "") return;
    this.out.utf8(this.pending);
    this.pending = "";
  }
}

/** Thrown by ByteReader when a payload is shorter or different than its type says. */
export class MalformedPayload extends Error {}

/** Decodes UTF-8 written by ByteWriter; MalformedPayload (naming `where`) if it is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new MalformedPayload(`invalid UTF-8 ${where}`);
  }
}

/** Reads values written by ByteWriter, checking bounds. */
export class ByteReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new MalformedPayload(`payload ends early at byte ${this.at}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.at++];
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const lo = this.view.getUint32(this.at, true);
    const hi = this.view.getUint32(this.at + 4, true);
    this.at += 8;
    const v = hi * TWO_32 + lo;
    if (!Number.isSafeInteger(v)) throw new MalformedPayload(`integer ${v} is too large`);
    return v;
  }

  str(): string {
    const end = this.strEnd();
    return decodeUtf8(this.buf.subarray(this.strStart, end), `at byte ${this.strStart}`);
  }

  /** Where the last string passed over by strEnd() starts. */
  strStart = 0;

  /** Passes over a string without decoding it; returns where it ends (strStart: where it starts). */
  strEnd(): number {
    const n = this.u32();
    this.need(n);
    this.strStart = this.at;
    this.at += n;
    return this.at;
  }

  end(): void {
    if (!this.done) throw new MalformedPayload(`${this.buf.length - this.at} unexpected trailing bytes`);
  }
}
