// Files and stdin to located documents: the only reader of input bytes.

import { readFileSync, statSync } from 'node:fs';
import type { Diagnostic } from '../model/diagnostic.ts';
import { parseDocuments } from './parse-documents.ts';
import type { LoadedDocument } from './parse-documents.ts';
import { findInputFiles, sourcePath } from './find-files.ts';

/** A declaration repository is small; anything bigger is a mistake or an attack. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface LoadResult {
  readonly root?: string;
  readonly documents: readonly LoadedDocument[];
  readonly fileCount: number;
}

export function loadPaths(paths: readonly string[], cwd: string, onError: (d: Diagnostic) => void): LoadResult {
  const { root, files, missing } = findInputFiles(paths, cwd);
  for (const m of missing) onError({ code: 'FILE_READ', severity: 'error', message: `no such file or directory: ${m}` });
  const documents: LoadedDocument[] = [];
  for (const abs of files) {
    const file = sourcePath(root, abs);
    const size = statSync(abs).size;
    if (size > MAX_FILE_BYTES) {
      onError({ code: 'FILE_TOO_LARGE', severity: 'error', message: `file is ${size} bytes, more than the ${MAX_FILE_BYTES} a declaration file may have`, file });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(abs);
    } catch (e) {
      onError({ code: 'FILE_READ', severity: 'error', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, file });
      continue;
    }
    documents.push(...loadBytes(bytes, file, onError));
  }
  return { root, documents, fileCount: files.length };
}

export function loadBytes(bytes: Buffer, file: string, onError: (d: Diagnostic) => void): LoadedDocument[] {
  if (bytes.length > MAX_FILE_BYTES) {
    onError({ code: 'FILE_TOO_LARGE', severity: 'error', message: `input is ${bytes.length} bytes, more than the ${MAX_FILE_BYTES} allowed`, file });
    return [];
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    onError({ code: 'FILE_ENCODING', severity: 'error', message: 'file is not valid UTF-8', file, line: lineOfBadByte(bytes) });
    return [];
  }
  return parseDocuments(text, file, onError);
}

function lineOfBadByte(bytes: Buffer): number {
  // Find the first invalid sequence by decoding prefixes line by line.
  let line = 1;
  let start = 0;
  const dec = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        dec.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return 1;
}
