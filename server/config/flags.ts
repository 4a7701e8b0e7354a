// Command-line parsing with the semantics of Go's flag package, which both
// etcd 0.2 and etcd 2.x used: one or two dashes mean the same thing, a value
// follows as "=v" or as the next argument, a boolean flag never takes the
// next argument, "--" ends the flags, and a later occurrence overrides an
// earlier one. Unlike Go, an unknown flag or a stray argument is an error
// that says so in one line.

import { ConfigError } from "./errors.ts";
import { BY_FLAG } from "./options.ts";
import { type Layer, parseText, RANK } from "./values.ts";

export function parseFlags(argv: string[]): Layer {
  const layer: Layer = new Map();
  let lastBool = "";
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.length < 2 || arg[0] !== "-") break; // first non-flag argument
    let dashes = "-";
    if (arg[1] === "-") {
      if (arg.length === 2) {
        i++; // "--" ends the flags and is consumed
        break;
      }
      dashes = "--";
    }
    const body = arg.slice(dashes.length);
    if (body[0] === "-" || body[0] === "=") {
      throw new ConfigError(
        `bad flag syntax ${
          JSON.stringify(arg)
        }: write flags as -name, --name, -name=value or --name=value`,
      );
    }
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const shownName = dashes + name;
    const spec = BY_FLAG.get(name);
    if (!spec) {
      throw new ConfigError(
        `unknown flag ${shownName}: run etcd --help to list the accepted flags`,
      );
    }
    const label = `flag ${shownName}`;
    let text: string;
    if (spec.kind === "bool") {
      text = eq < 0 ? "true" : body.slice(eq + 1);
      lastBool = shownName;
    } else if (eq >= 0) {
      text = body.slice(eq + 1);
      lastBool = "";
    } else if (i + 1 < argv.length) {
      text = argv[++i];
      lastBool = "";
    } else {
      throw new ConfigError(
        `flag ${shownName} needs a value: use ${shownName}=<value> or ${shownName} <value>`,
      );
    }
    layer.set(spec.id, {
      value: parseText(spec.kind, text, label),
      source: { rank: RANK.flag, label },
    });
  }
  if (i < argv.length) {
    const stray = JSON.stringify(argv[i]);
    const hint =
      lastBool && argv[i - 1]?.startsWith("-") && !argv[i - 1].includes("=") &&
        argv[i - 1] !== "--"
        ? ` (a boolean flag takes its value after "=", as in ${lastBool}=${
          argv[i]
        })`
        : " (etcd takes no positional arguments; flags look like --name=value)";
    throw new ConfigError(`unexpected argument ${stray}${hint}`);
  }
  return layer;
}
