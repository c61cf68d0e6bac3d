// Files and stdin to located documents: the only reader of input bytes.

import { readFileSync, statSync } from 'node:fs';
import type { Diagnostic } from '../model/diagnostic.ts';
import { parseDocuments } from './parse-documents.ts';
import { unpackLists } from './unpack-lists.ts';
import type { LoadedDocument } from './parse-documents.ts';
import { findInputFiles, sourcePath } from './find-files.ts';

/** A declaration repository is small; anything bigger is a mistake or an attack. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface LoadResult {
  readonly root?: string;
  readonly documents: readonly LoadedDocument[];
  readonly fileCount: number;
}

export async function loadPaths(paths: readonly string[], cwd: string, onError: (d: Diagnostic) => void): Promise<LoadResult> {
  const { root, files, diagnostics } = await findInputFiles(paths, cwd);
  for (const d of diagnostics) onError(d);
  const documents: LoadedDocument[] = [];
  for (const abs of files) {
    const file = sourcePath(root, abs);
    let bytes: Buffer;
    try {
      // Inside the try: a file may vanish after the walk, or sit in a directory we may list but not enter.
      const size = statSync(abs).size;
      if (size > MAX_FILE_BYTES) {
        onError({ code: 'FILE_TOO_LARGE', severity: 'error', message: `file is ${size} bytes, more than the ${MAX_FILE_BYTES} a declaration file may have`, file, line: 1, col: 1 });
        continue;
      }
      bytes = readFileSync(abs);
    } catch (e) {
      onError({ code: 'FILE_READ', severity: 'error', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, file });
      continue;
    }
    for (const d of await loadBytes(bytes, file, onError)) documents.push(d); // not push(...): a file may hold 10^6 documents
  }
  return { root, documents, fileCount: files.length };
}

export async function loadBytes(bytes: Buffer, file: string, onError: (d: Diagnostic) => void): Promise<LoadedDocument[]> {
  if (bytes.length > MAX_FILE_BYTES) {
    onError({ code: 'FILE_TOO_LARGE', severity: 'error', message: `input is ${bytes.length} bytes, more than the ${MAX_FILE_BYTES} allowed`, file, line: 1, col: 1 });
    return [];
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const [line, col] = positionOfBadByte(bytes);
    onError({ code: 'FILE_ENCODING', severity: 'error', message: 'file is not valid UTF-8', file, line, col });
    return [];
  }
  return unpackLists(await parseDocuments(text, file, onError), onError);
}

/** [line, col] of the first byte that is not valid UTF-8; col counts the characters before it on its line. */
function positionOfBadByte(bytes: Buffer): [number, number] {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let col = 1;
  try {
    for (let i = 0; i < bytes.length; i++) {
      if (dec.decode(bytes.subarray(i, i + 1), { stream: true }) === '') continue; // inside a sequence
      if (bytes[i] === 0x0a) {
        line++;
        col = 1;
      } else col++;
    }
    dec.decode(); // a sequence cut off by the end of the file
  } catch {
    // the sequence that began after the last whole character is the bad one
  }
  return [line, col];
}
