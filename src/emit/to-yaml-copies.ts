// Shared objects and copies: the two hints the emitters give the YAML serializer (to-yaml.ts), and
// what the serializer checks before it trusts them. They exist for speed at 100,000 resources,
// where the cost is in the number of pieces written and most documents repeat another:
//
// - markShared: an object several resources hold (the spec every namespace's copy of a
//   declaration has) is written once per depth, and its text repeated.
// - markCopy: a document that is another with some scalars changed (the same declaration in
//   another namespace: the namespace and the names made from it) is written, in a stream, as
//   that model's text with those scalars replaced. The model's text is cut at its scalars (the
//   holes) into a Template; a copy that agrees with the model's Shape in everything but scalars
//   is written as the segments between holes and its own scalars in them.
//
// Both are hints only: nothing is kept past one call, and a copy that disagrees in keys, shapes or
// shared objects is written in full, so a wrong hint costs time, never a wrong text.
// ARCHITECTURE.md, "Start-up and speed", places this among the other speed measures.

import { Piece } from './byte-sink.ts';
import type { Plain } from './to-yaml.ts';

type PlainMap = { readonly [k: string]: Plain };

/**
 * Marks an object as one that several resources share, so that a stream writes it once per
 * depth and repeats the text. A hint only: the text is kept for one call, so it is right as
 * long as the object does not change while a call writes it.
 */
export function markShared<T extends object>(o: T): T {
  SHARED.add(o);
  return o;
}
const SHARED = new WeakSet<object>();

export function isShared(o: object): boolean {
  return SHARED.has(o);
}

/**
 * Marks a document as a copy of `model` that may differ from it in scalar values only (say, the
 * namespace and the names made from it), so that a stream writes it as the model's text with
 * those values replaced. A hint only: the stream checks that the two agree in everything else
 * (keys, shapes, shared objects) and writes the document in full when they do not.
 */
export function markCopy<T extends object>(doc: T, model: object): T {
  (doc as Copy)[MODEL] = model;
  return doc;
}
const MODEL = Symbol('model');
type Copy = { [MODEL]?: object };

/** The model a document was marked a copy of. */
export function modelOf(doc: object): object | undefined {
  return (doc as Copy)[MODEL];
}

/** A model document's text cut at its scalars (holes), and what a copy must agree with it on. */
export interface Template {
  readonly shape: Shape;
  readonly text: string;
  /** Where each hole's text (` scalar\n`) starts and ends in `text`, in text order. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** The text between two holes, by (from + 1) × (holes + 1) + to. */
  readonly segments: Map<number, Piece>;
}

/**
 * A model's Template from its text as written in `pieces`, where `holes` are the indexes of the
 * pieces that are its scalars' text; null when the walks disagree (they cannot).
 */
export function cutTemplate(model: PlainMap, pieces: readonly string[], holes: readonly number[]): Template | null {
  const count = { holes: 0 };
  const shape = shapeOf(model, count, true);
  if (count.holes !== holes.length) return null; // cannot happen: the walks agree
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (let i = 0, h = 0; i < pieces.length; i++) {
    if (h < holes.length && holes[h] === i) {
      starts.push(at);
      ends.push(at + pieces[i]!.length);
      h++;
    }
    at += pieces[i]!.length;
  }
  return { shape, text: pieces.join(''), starts, ends, segments: new Map() };
}

/** The model's text from the end of hole `from` (-1: the start) to the start of hole `to` (the number of holes: the end), cut once. */
export function segmentOf(t: Template, from: number, to: number): Piece {
  const key = (from + 1) * (t.starts.length + 1) + to;
  let piece = t.segments.get(key);
  if (piece === undefined) t.segments.set(key, (piece = new Piece(t.text.slice(from < 0 ? 0 : t.ends[from], to < t.starts.length ? t.starts[to] : t.text.length))));
  return piece;
}

/** Whether `v` agrees with `shape` but in scalars; those that differ are added to `diffs` as hole, value. */
export function agrees(v: Plain, shape: Shape, diffs: unknown[]): boolean {
  const kind = shape.kind;
  if (kind === HOLE) {
    if (v !== null && typeof v === 'object') return false;
    if (v !== shape.value) diffs.push(shape.hole, v);
    return true;
  }
  if (kind === SHARED_OBJECT) return v === shape.value;
  if (v === null || typeof v !== 'object') return false;
  const parts = shape.parts;
  if (kind === SEQ) {
    if (!Array.isArray(v) || v.length !== parts.length) return false;
    for (let i = 0; i < v.length; i++) if (!agrees((v as readonly Plain[])[i]!, parts[i]!, diffs)) return false;
    return true;
  }
  if (Array.isArray(v)) return false;
  // for-in reads a plain object's own keys in Object.keys order without making an array; a
  // key it finds beyond them (an enumerable inherited one) makes a disagreement, never a wrong text.
  const keys = shape.keys;
  let i = 0;
  for (const k in v) {
    if (i >= keys.length || k !== keys[i] || !agrees((v as PlainMap)[k]!, parts[i]!, diffs)) return false;
    i++;
  }
  return i === keys.length;
}

/**
 * What a copy must agree with its model on, walked in the order the writer writes: a map's keys
 * in order and their values, a sequence's items, a shared object (that very object, written as
 * one piece), or a scalar (a hole, which the copy may fill with another scalar). One class for
 * all four, so that checking a copy reads the same fields of the same kind of object.
 */
class Shape {
  constructor(
    readonly kind: 0 | 1 | 2 | 3,
    /** Map: its keys; sequence: none. */
    readonly keys: readonly string[],
    /** Map: its values' shapes, key by key; sequence: its items'. */
    readonly parts: readonly Shape[],
    /** Shared: the object; hole: the scalar. */
    readonly value: unknown,
    /** Hole: its number, in text order. */
    readonly hole: number,
  ) {}
}
const MAP = 0;
const SEQ = 1;
const SHARED_OBJECT = 2;
const HOLE = 3;

/** The shape of a map's value, or (`item`) of a document or sequence item, which the writer never takes as shared. */
function shapeOf(v: Plain, count: { holes: number }, item = false): Shape {
  if (v === null || typeof v !== 'object') return new Shape(HOLE, [], [], v, count.holes++);
  if (!item && SHARED.has(v)) return new Shape(SHARED_OBJECT, [], [], v, -1);
  if (Array.isArray(v)) return new Shape(SEQ, [], (v as readonly Plain[]).map((x) => shapeOf(x, count, true)), undefined, -1);
  const keys = Object.keys(v);
  return new Shape(MAP, keys, keys.map((k) => shapeOf((v as PlainMap)[k]!, count)), undefined, -1);
}
