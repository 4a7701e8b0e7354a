// Reads a text/event-stream body message by message, with bounded waits.

import type { DashboardMessage } from "../../shared/dashboard.ts";

export class SseReader {
  private reader: ReadableStreamDefaultReader<string>;
  private buf = "";
  /** Non-data fields seen so far ("retry: 1000", ...). */
  fields: string[] = [];

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>).getReader();
  }

  /** The next `data:` message, parsed; throws after `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<DashboardMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buf.indexOf("\n\n");
      if (end >= 0) {
        const block = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
        this.fields.push(...block.split("\n").filter((l) => !l.startsWith("data: ")));
        if (data.length) return JSON.parse(data.join("\n"));
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event-stream message within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([
        this.reader.read(),
        new Promise<"timeout">((res) => (timer = setTimeout(() => res("timeout"), left))),
      ]);
      clearTimeout(timer);
      if (r === "timeout") throw new Error(`no event-stream message within ${timeoutMs} ms`);
      if (r.done) throw new Error("the event stream ended");
      this.buf += r.value;
    }
  }

  /** Reads messages until one satisfies `pred` (bounded). */
  async until(pred: (m: DashboardMessage) => boolean, timeoutMs = 8000): Promise<DashboardMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.next(Math.max(1, deadline - Date.now()));
      if (pred(m)) return m;
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}
