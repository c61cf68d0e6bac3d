// Documents that look like extension declarations but that meshext does not read. They are not
// errors (a repository may hold them for another tool), but silence would hide a declaration the
// user meant meshext to render: each gets a warning that says what it is and what meshext reads instead.

import type { LoadedDocument } from '../load/parse-documents.ts';
import { closestName } from '../model/closest-name.ts';
import type { Sink } from '../model/diagnostic.ts';
import { at } from '../model/where.ts';
import { originOf } from './_origin.ts';

/** kind → group → version → what meshext does with it (the dispatch table of translate/index.ts). */
export type KindTable = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, { readonly role: string }>>>>>>;

type Doc = Readonly<Record<string, unknown>>;

/** Groups of other projects that reuse the names of kinds meshext reads, and whose they are. */
const FOREIGN_GROUPS: Readonly<Record<string, string>> = {
  'extensions.higress.io': "Higress's (its controller turns it into an Istio WasmPlugin for the Higress gateway)",
  'wasmxds.tetrate.io': "Tetrate Labs' wasmxds operator's, not Tetrate Service Bridge's",
};

const WRITE_INSTEAD = 'write an Extension (meshext.dev/v1alpha1) or an Istio WasmPlugin (extensions.istio.io/v1alpha1)';

/** What an EnvoyFilter patch holds when it loads a Wasm module (HTTP or network filter, inline or by ECDS). */
const LOADS_WASM = /envoy\.extensions\.filters\.(?:http|network)\.wasm\.v3\.Wasm|envoy\.filters\.(?:http|network)\.wasm|"vm_?[cC]onfig"/;

/** Warns about `doc` when it is an unread look-alike; true when it is one. */
export function warnUnreadLookAlike(doc: LoadedDocument, known: KindTable, report: Sink): boolean {
  const found = unreadLookAlike(doc.value, known);
  if (found) report(at(originOf(doc), [found.field], 'NOT_READ', found.message, 'warning'));
  return found !== undefined;
}

/**
 * The warning for a document that meshext does not read but that looks like one it would, or
 * undefined. `known` is meshext's kind table; the document's kind/group/version is not in it as read.
 */
export function unreadLookAlike(doc: Doc, known: KindTable): { message: string; field: 'apiVersion' | 'kind' } | undefined {
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const at = `${kind} (${apiVersion})`;
  if (group === 'wasme.io' && kind === 'FilterDeployment') {
    return {
      field: 'kind',
      message: `${at} is wasme's, and the wasme operator that deployed it (solo-io/wasm) is no longer maintained: its last change was in 2022. meshext does not read it; ${WRITE_INSTEAD}: spec.filter.image becomes image, spec.filter.rootID becomes pluginName, the value of spec.filter.config becomes config, spec.deployment.istio.labels becomes selector.matchLabels`,
    };
  }
  if (group === 'networking.istio.io' && kind === 'EnvoyFilter') {
    if (!LOADS_WASM.test(JSON.stringify(doc.spec) ?? '')) return undefined;
    return { field: 'kind', message: `${at} loads a Wasm module, but meshext does not read EnvoyFilters: it leaves this one as it is; to have meshext pin, check and place the module, ${WRITE_INSTEAD}` };
  }
  const byGroup = Object.hasOwn(known, kind) ? known[kind]! : undefined;
  if (byGroup === undefined) return misspeltKind(kind, group, at, known);
  const readAs = Object.entries(byGroup).flatMap(([g, versions]) => Object.keys(versions).map((v) => (g ? `${g}/${v}` : v)));
  const reads = `meshext reads ${kind} in ${readAs.join(', ')}`;
  if (Object.hasOwn(FOREIGN_GROUPS, group)) return { field: 'apiVersion', message: `${at} is ${FOREIGN_GROUPS[group]}, so meshext does not read it: ${reads}` };
  const near = closestName(group, Object.keys(byGroup).filter((g) => g !== ''));
  if (near !== undefined) {
    const version = apiVersion.slice(slash + 1);
    const meant = `${near}/${Object.hasOwn(byGroup[near]!, version) ? version : Object.keys(byGroup[near]!)[0]!}`;
    return { field: 'apiVersion', message: `${at} is not read: did you mean apiVersion ${meant}? ${reads}` };
  }
  // Kinds named after another project's API look like theirs whatever the group; meshext's own generic names do not.
  const foreign = Object.entries(byGroup).some(([g, versions]) => g !== '' && g !== 'meshext.dev' && Object.values(versions).some((e) => e.role === 'extension'));
  return foreign ? { field: 'apiVersion', message: `${at} is not read: ${reads}` } : undefined;
}

/** A kind that is not one meshext reads, in a group where it reads a kind of a near spelling. */
function misspeltKind(kind: string, group: string, at: string, known: KindTable) {
  if (group === '') return undefined;
  const inGroup = Object.keys(known).filter((k) => Object.hasOwn(known[k]!, group));
  const near = closestName(kind, inGroup);
  return near === undefined ? undefined : { field: 'kind' as const, message: `${at} is not a kind meshext reads: did you mean ${near}?` };
}
