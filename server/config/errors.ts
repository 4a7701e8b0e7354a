// ConfigError is what every startup misconfiguration becomes. Its message is
// one line saying what is wrong and how to fix it; the binary prints it and
// exits non-zero.
export class ConfigError extends Error {
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, " "));
    this.name = "ConfigError";
  }
}
