// How long client connections live, shared by node's http server (serve.ts)
// and the HTTP/1.1 front door (http1_front.ts), so both behave alike.

import type { Socket } from "node:net";

/** An idle keep-alive connection is closed after this (node's server also says it in Keep-Alive). */
export const KEEP_ALIVE_MS = 65_000;

/** How long a closing connection keeps reading what the client still sends (Go: 500 ms). */
export const LINGER_MS = 1000;

// Closing a socket the client is still writing to (say, a body we refused)
// makes the kernel send a reset, and the client often loses the answer. Like
// Go's server: send FIN, keep reading until the client closes or LINGER_MS
// passes, then close.
export function endAndLinger(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref?.();
  socket.once("close", () => clearTimeout(timer));
}
