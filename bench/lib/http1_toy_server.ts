// A toy server for bench/http1_front.ts: answers every request with the same
// etcd-shaped GET answer, either through node:http (writeHead/end, as
// keys_node.ts does) or through our HTTP/1.1 front door (http1_front.ts),
// so the two HTTP layers can be compared without the store or raft.
//
//   node http1_toy_server.mjs node|front HOST PORT

import * as http from "node:http";
import * as net from "node:net";
import process from "node:process";
import { serveConnection } from "../../server/http/http1_front.ts";

const [mode, host, port] = process.argv.slice(2);
const body = JSON.stringify({
  action: "get",
  node: { key: "/bench/get", value: "v".repeat(64), modifiedIndex: 4, createdIndex: 4 },
}) + "\n";
const headers = () => ({
  "Content-Type": "application/json",
  "X-Etcd-Cluster-Id": "b4435755bd9508e8",
  "X-Etcd-Index": "4",
  "X-Raft-Index": "5",
  "X-Raft-Term": "2",
});

const nodeServer = http.createServer((_req, res) => {
  const h: Record<string, string> = headers();
  h["Content-Length"] = String(Buffer.byteLength(body));
  res.writeHead(200, h);
  res.end(body);
});
nodeServer.keepAliveTimeout = 65_000;

const server = mode === "front"
  ? net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
    serveConnection(socket, {
      fallback: nodeServer,
      maxHeadBytes: 128 * 1024,
      internalError: (err) => ({ status: 500, headers: {}, body: String(err) }),
      route: (h) => h.method === "GET" ? () => Promise.resolve({ status: 200, headers: headers(), body }) : null,
    }))
  : nodeServer;
server.listen(Number(port), host, () => console.log("listening"));
