// What a command may touch of the outside world. Only `src/cli/main.ts` builds one from
// `process`; tests build their own, so commands never read process globals.

export interface Io {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdin: () => Promise<Buffer>;
  /** True when stdin is a terminal (KRM mode needs a non-terminal stdin). */
  readonly stdinIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly stdout: (chunk: string) => void;
  /**
   * Writes bytes to stdout before it returns, so the caller may reuse them (a large stream goes
   * out through one buffer). Absent where stdout is captured as text: commands then use `stdout`.
   */
  readonly stdoutBytes?: (bytes: Uint8Array) => void;
  readonly stderr: (chunk: string) => void;
  /** How this process was started, for writing wrappers that start it again. */
  readonly self: { readonly node: string; readonly script: string };
}

/** A command's entry: parse its own argv (after the command name), return the exit code. */
export type Command = (args: readonly string[], io: Io) => Promise<number>;

export const EXIT = { ok: 0, invalid: 1, usage: 2, resolve: 3 } as const;
