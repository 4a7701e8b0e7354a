// Entry point of the configuration package: flags, then ETCD_* variables,
// then the TOML file, then defaults, resolved into one validated Config.

import { readEnv } from "./env.ts";
import { ConfigError } from "./errors.ts";
import { readConfigFile } from "./file.ts";
import { parseFlags } from "./flags.ts";
import { resolveConfig } from "./resolve.ts";
import type { Config } from "./types.ts";
import type { Layer } from "./values.ts";

export { ConfigError } from "./errors.ts";
export { usage } from "./usage.ts";
export { parseHostPortOrUrl, urlHost, urlPort } from "./urls.ts";
export type { Config, TlsFiles } from "./types.ts";

// Pure apart from readFile (used for the config file and -peers-file);
// throws ConfigError with a one-line message.
export function loadConfig(
  argv: string[],
  env: Record<string, string | undefined>,
  readFile: (path: string) => string,
): Config {
  const flags = parseFlags(argv);
  const showHelp = flags.get("help")?.value === true;
  const showVersion = flags.get("version")?.value === true;
  if (showHelp || showVersion) {
    // Like etcd: print and exit before the environment or a file can fail.
    return { ...defaultConfig(), showHelp, showVersion };
  }
  const envLayer = readEnv(env);
  const path = (flags.get("config-file") ?? envLayer.get("config-file"))?.value;
  const fileLayer: Layer = typeof path === "string" && path !== ""
    ? readConfigFile(path, readFile)
    : new Map();
  return resolveConfig([flags, envLayer, fileLayer], readFile);
}

// The configuration with nothing set.
export function defaultConfig(): Config {
  return resolveConfig([], () => {
    throw new ConfigError("no file may be read for the default configuration");
  });
}
