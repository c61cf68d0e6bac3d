// Types for measure.mjs, so test/bench.test.ts typechecks under strict.

export interface ProcessRun {
  readonly code: number | null;
  readonly wallMs: number;
  readonly rssKb: number;
  readonly bytes: number;
  readonly stdout?: Buffer;
  readonly stderr: string;
}

export interface CaseFigures {
  readonly wallMs: number;
  readonly minMs: number;
  readonly rssKb: number;
  readonly bytes: number;
  readonly runs: number;
}

export declare const GNU_TIME: string | undefined;
export declare const RSS_METHOD: string;
export declare function runProcess(argv: readonly string[], opts?: { capture?: boolean; cwd?: string; env?: NodeJS.ProcessEnv; tmpDir?: string }): Promise<ProcessRun>;
export declare function renderOnce(dir: string, opts?: { bin?: string; extra?: readonly string[] }): Promise<ProcessRun & { readonly stdout: Buffer }>;
export declare function median(xs: readonly number[]): number;
export declare function sideBySide(commands: Record<string, { argv: readonly string[]; cwd?: string; env?: NodeJS.ProcessEnv; bytes?: number }>, opts?: { warmup?: number; runs?: number }): Promise<Record<string, CaseFigures>>;
export declare function bytesFloorArgv(file: string): string[];
export declare const round1: (x: number) => number;
