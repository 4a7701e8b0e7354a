// Our release version (printed by --version and in /version).
export const VERSION = "0.1.0";
