// Unit tests of the Go behaviours etcdctl's text depends on: flag parsing
// and urfave/cli's argument reordering, strconv, durations, URL escaping,
// JSON escaping and the help tabwriter. Expected values are what Go prints.

import assert from "node:assert/strict";
import { formatGoDuration, parseGoDuration } from "../../server/ctl/golang/duration.ts";
import { FlagError, type FlagSpec, parseFlags, reorderArgs } from "../../server/ctl/golang/flags.ts";
import { goJsonString } from "../../server/ctl/golang/json.ts";
import { parseGoBool, parseGoInt, parseHexUint64, quote } from "../../server/ctl/golang/strconv.ts";
import { tabulate } from "../../server/ctl/golang/tabwriter.ts";
import { canonicalUrlPath, cleanPath, encodeValues, escapePath, parseEndpoint, queryEscape } from "../../server/ctl/golang/url.ts";
import { splitExecArgs } from "../../server/ctl/commands/watch.ts";
import { hexToDecimal, marshalMemberList, memberLine } from "../../server/ctl/output/members.ts";
import { marshalResponse } from "../../server/ctl/output/response.ts";

const specs: FlagSpec[] = [
  { names: ["ttl"], kind: "int", usage: "" },
  { names: ["recursive", "r"], kind: "bool", usage: "" },
  { names: ["output", "o"], kind: "string", usage: "", value: "simple" },
  { names: ["timeout"], kind: "duration", usage: "", value: 2000 },
];

Deno.test("flags: Go's flag package forms and errors", () => {
  const p = parseFlags(specs, ["-ttl", "5", "--r", "-o=json", "--timeout", "1.5s", "key", "-x"]);
  assert.deepEqual([p.values.get("ttl"), p.values.get("recursive"), p.values.get("output"), p.values.get("timeout")], [5, true, "json", 1500]);
  assert.deepEqual(p.args, ["key", "-x"]);
  assert.deepEqual([...p.set].sort(), ["output", "recursive", "timeout", "ttl"]);
  assert.deepEqual(parseFlags(specs, ["--", "-r"]).args, ["-r"]);
  assert.deepEqual(parseFlags(specs, ["-", "x"]).args, ["-", "x"]);
  assert.equal(parseFlags(specs, ["--recursive=false"]).values.get("recursive"), false);
  assert.equal(parseFlags(specs, ["--ttl", "0x10"]).values.get("ttl"), 16);
  assert.equal(parseFlags(specs, ["--ttl", "-5"]).values.get("ttl"), -5);
  const err = (args: string[]) => {
    try {
      parseFlags(specs, args);
    } catch (e) {
      assert.ok(e instanceof FlagError);
      return e.message;
    }
    throw new Error("no error");
  };
  assert.equal(err(["--bogus"]), "flag provided but not defined: -bogus");
  assert.equal(err(["--ttl", "abc"]), 'invalid value "abc" for flag -ttl: parse error');
  assert.equal(err(["--ttl", "99999999999999999999"]), 'invalid value "99999999999999999999" for flag -ttl: value out of range');
  assert.equal(err(["--ttl"]), "flag needs an argument: -ttl");
  assert.equal(err(["--r=maybe"]), 'invalid boolean value "maybe" for -r: parse error');
  assert.equal(err(["---x"]), "bad flag syntax: ---x");
  assert.equal(err(["--timeout", "3"]), 'invalid value "3" for flag -timeout: parse error');
});

Deno.test("flags: urfave/cli moves a command's flags in front of its arguments", () => {
  assert.deepEqual(reorderArgs(specs, ["k", "--ttl", "5", "v"]), ["--ttl", "5", "k", "v"]);
  assert.deepEqual(reorderArgs(specs, ["k", "v", "--ttl"]), ["--ttl", "k", "v"]);
  assert.deepEqual(reorderArgs(specs, ["k1", "--", "-v"]), ["--", "k1", "-v"]);
  assert.deepEqual(reorderArgs(specs, ["k", "--bogus"]), ["k", "--bogus"]);
  // A bool flag takes the next word along as if it were its value.
  assert.deepEqual(reorderArgs(specs, ["--recursive", "/x", "--", "sh", "-c", "x"]), ["--recursive", "/x", "--", "sh", "-c", "x"]);
  assert.deepEqual(parseFlags(specs, reorderArgs(specs, ["--recursive", "/x", "--", "sh"])).args, ["/x", "--", "sh"]);
});

Deno.test("exec-watch: key and program from the arguments left after flags", () => {
  assert.deepEqual(splitExecArgs(["/x", "--", "sh", "-c", "echo"]), { key: "/x", command: ["sh", "-c", "echo"] });
  assert.deepEqual(splitExecArgs(["sh", "-c", "echo", "/x"]), { key: "/x", command: ["sh", "-c", "echo"] });
});

Deno.test("strconv: ParseInt base 0, ParseBool, ParseUint hex, Quote", () => {
  assert.deepEqual(["10", "+7", "0x1f", "0o17", "017", "0b101", "0x_1f", "-0"].map(parseGoInt), [10, 7, 31, 15, 15, 5, 31, 0]);
  for (const bad of ["", "1.5", "abc", "1_0", "08", "0x"]) assert.throws(() => parseGoInt(bad), bad);
  assert.deepEqual(["1", "t", "TRUE", "False", "0"].map(parseGoBool), [true, true, true, false, false]);
  assert.throws(() => parseGoBool("yes"));
  assert.equal(parseHexUint64("ffffffffffffffff"), 2n ** 64n - 1n);
  assert.throws(() => parseHexUint64("zz"), /parsing "zz": invalid syntax/);
  assert.equal(quote('a"b\\c\n\t\x01é'), '"a\\"b\\\\c\\n\\t\\x01é"');
});

Deno.test("durations: Go syntax", () => {
  assert.deepEqual(["2s", "500ms", "1m30s", "1.5h", "0", "10us", "3µs", "-1s"].map(parseGoDuration), [2000, 500, 90000, 5400000, 0, 0.01, 0.003, -1000]);
  for (const bad of ["", "3", "1.5", "s", "1x", ".s"]) assert.throws(() => parseGoDuration(bad), bad);
  assert.deepEqual([2000, 5000, 500, 90000, 1500].map(formatGoDuration), ["2s", "5s", "500ms", "1m30s", "1.5s"]);
});

Deno.test("URLs: Go's path and query escaping, path cleaning, endpoints", () => {
  assert.equal(escapePath("/v2/keys/a b/c%d?e#f/ü!*'()"), "/v2/keys/a%20b/c%25d%3Fe%23f/%C3%BC%21%2A%27%28%29");
  assert.equal(escapePath("/a$&+,:;=@-_.~"), "/a$&+,:;=@-_.~");
  assert.equal(queryEscape("v 1&x=2/é"), "v+1%26x%3D2%2F%C3%A9");
  assert.equal(encodeValues([["value", "x"], ["ttl", "5"], ["dir", "true"]]), "dir=true&ttl=5&value=x");
  assert.deepEqual(["a//b/../c", "/../a", "", "a/./b/", "/"].map(cleanPath), ["a/c", "/a", ".", "a/b", "/"]);
  assert.deepEqual(["/v2/keys/a/", "/v2/keys//a/../b", ""].map(canonicalUrlPath), ["/v2/keys/a/", "/v2/keys/b", "/"]);
  assert.deepEqual(parseEndpoint("http://127.0.0.1:2379/"), { scheme: "http", host: "127.0.0.1:2379", path: "/" });
  assert.deepEqual(parseEndpoint("myhost"), { scheme: "http", host: "myhost", path: "" });
  assert.deepEqual(parseEndpoint("https://[::1]:2379"), { scheme: "https", host: "[::1]:2379", path: "" });
  assert.throws(() => parseEndpoint("127.0.0.1:2379"), /^Error: parse "127.0.0.1:2379": first path segment in URL cannot contain colon$/);
});

Deno.test("JSON: Go's escaping and the client's Response layout", () => {
  assert.equal(goJsonString('<a&b>"\\é\u0001\t\n\u2028'), '"\\u003ca\\u0026b\\u003e\\"\\\\é\\u0001\\t\\n\\u2028"');
  const node = { key: "/a", dir: false, value: "1", nodes: null, createdIndex: 4, modifiedIndex: 5, expiration: "2026-01-02T03:04:05.120000000Z", ttl: 9 };
  assert.equal(
    marshalResponse({ action: "set", node, prevNode: null, index: 5 }),
    '{"action":"set","node":{"key":"/a","value":"1","nodes":null,"createdIndex":4,"modifiedIndex":5,"expiration":"2026-01-02T03:04:05.12Z","ttl":9},"prevNode":null}',
  );
  assert.equal(
    marshalResponse({ action: "get", node: { ...node, dir: true, nodes: [], expiration: null, ttl: 0 }, prevNode: null, index: 0 }),
    '{"action":"get","node":{"key":"/a","dir":true,"value":"1","nodes":[],"createdIndex":4,"modifiedIndex":5},"prevNode":null}',
  );
});

Deno.test("member list: v3 lines and JSON with exact uint64 digits", () => {
  const m = { id: "ffcf00e267752181", name: "node-a", peerURLs: ["http://10.0.0.1:2380"], clientURLs: ["http://10.0.0.1:2379"] };
  assert.equal(hexToDecimal("ffcf00e267752181"), "18432952772249067905");
  assert.equal(memberLine(m), "ffcf00e267752181, started, node-a, http://10.0.0.1:2380, http://10.0.0.1:2379, false");
  assert.equal(memberLine({ ...m, name: "", clientURLs: [] }), "ffcf00e267752181, unstarted, , http://10.0.0.1:2380, , false");
  assert.equal(
    marshalMemberList({ clusterId: "1053d7dd5fa8a63", memberId: "ffcf00e267752181", raftTerm: 3 }, [m, { ...m, id: "2", name: "", clientURLs: [] }], false),
    '{"header":{"cluster_id":73532579591653987,"member_id":18432952772249067905,"raft_term":3},"members":[{"ID":18432952772249067905,"name":"node-a","peerURLs":["http://10.0.0.1:2380"],"clientURLs":["http://10.0.0.1:2379"]},{"ID":2,"peerURLs":["http://10.0.0.1:2380"]}]}',
  );
  assert.equal(
    marshalMemberList({ clusterId: "1053d7dd5fa8a63", memberId: "ffcf00e267752181", raftTerm: 3 }, [m], true),
    '{"header":{"cluster_id":"1053d7dd5fa8a63","member_id":"ffcf00e267752181","raft_term":3},"members":[{"ID":"ffcf00e267752181","name":"node-a","peerURLs":["http://10.0.0.1:2380"],"clientURLS":["http://10.0.0.1:2379"]}]}',
  );
});

Deno.test("tabwriter: columns padded to the widest cell plus two", () => {
  assert.equal(tabulate("A:\n   x\tone\n   longer\ttwo\n\n   y\tthree\n"), "A:\n   x       one\n   longer  two\n\n   y  three\n");
});
