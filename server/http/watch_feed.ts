// One watch request's events on their way to its connection, whatever the
// runtime's response object is: the watcher is registered (and can fail with
// an etcd error) before the response exists, so events that arrive before
// the response is attached wait here.

import type { StoreEvent } from "../store/event.ts";

/** Where a watch's bytes go: a node ServerResponse or a web stream controller, wrapped. */
export interface WatchSink {
  write(chunk: Uint8Array): void;
  /** Ends the response, after `last` if given (one write for a long poll's event and the end). */
  end(last?: Uint8Array): void;
}

const encoder = new TextEncoder();

// Every watcher of a key gets the same event in a row: encode it once.
let lastEvent: StoreEvent | undefined;
let lastBytes = new Uint8Array();
function eventBytes(e: StoreEvent): Uint8Array {
  if (e !== lastEvent) {
    lastBytes = encoder.encode(e.encode());
    lastEvent = e;
  }
  return lastBytes;
}

export class WatchFeed {
  #sink: WatchSink | undefined;
  #pending: Uint8Array[] = [];
  #ended = false;
  #closed = false;
  #onClose: (() => void) | undefined;

  /** `stream`: every event, one per line; else the first event ends the feed. */
  constructor(readonly stream: boolean) {}

  /** Runs once when the feed is over for any reason (event, timeout, client gone). */
  set onClose(fn: () => void) {
    this.#onClose = fn;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(e: StoreEvent): void {
    if (this.#ended) return;
    const bytes = eventBytes(e);
    if (!this.stream) return this.end(bytes);
    if (this.#sink) this.#sink.write(bytes);
    else this.#pending.push(bytes);
  }

  /** Ends the response (timeout, or a long poll's one event, `last`, is here). */
  end(last?: Uint8Array): void {
    if (this.#ended) return;
    this.#ended = true;
    if (last && !this.#sink) this.#pending.push(last);
    this.#sink?.end(last);
    this.close();
  }

  /** The client went away, or the response ended: stop watching. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose?.();
  }

  attach(sink: WatchSink): void {
    this.#sink = sink;
    for (const bytes of this.#pending) sink.write(bytes);
    this.#pending = [];
    if (this.#ended) sink.end();
  }
}
