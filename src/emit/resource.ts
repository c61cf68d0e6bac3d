// A finalised target: every default filled in, every rule checked, ready to become any output kind.

import type { EnvVar, IstioPhase, MaistraPhase, OutputKind, PluginConfig, TargetRef, TrafficMatch } from '../model/extension.ts';
import type { Origin } from '../model/extension.ts';

/** The apiVersion each output kind is emitted with: what the emitters write and the served-kinds check looks for. */
export const API_VERSION_OF: Readonly<Record<OutputKind, string>> = {
  WasmPlugin: 'extensions.istio.io/v1alpha1',
  TrafficExtension: 'extensions.istio.io/v1alpha1',
  EnvoyFilter: 'networking.istio.io/v1alpha3',
};

export interface Resolved {
  readonly output: OutputKind;
  readonly name: string;
  readonly namespace: string;
  /** The Mesh's control-plane revision: the `istio.io/rev` label. */
  readonly revision?: string;
  readonly origin: Origin;
  /** Root-relative source file, absent for stdin. */
  readonly source?: string;
  /** The image as the declaration wrote it; '' for Lua, which has none. */
  readonly imageRef: string;
  readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
  readonly targetRefs?: readonly TargetRef[];
  /** The pinned module URL; '' for Lua. */
  readonly url: string;
  readonly sha256?: string;
  /** Who signed the image, per the Mesh's trust policies (`meshext.dev/verified-by`); absent when nothing was verified. */
  readonly verifiedBy?: string;
  readonly imagePullPolicy?: string;
  readonly imagePullSecret?: string;
  readonly config?: PluginConfig;
  readonly pluginName?: string;
  readonly phase: IstioPhase;
  readonly priority: number;
  /** The Maistra phase declared, when `phase` and `priority` were mapped from it; only explain reads it. */
  readonly maistraPhase?: MaistraPhase;
  readonly failStrategy?: string;
  readonly vmConfig?: { readonly env?: readonly EnvVar[] };
  readonly match?: readonly TrafficMatch[];
  readonly type?: string;
  /** Inline Lua source: emitted as the TrafficExtension's `lua:` block instead of `wasm:`. */
  readonly lua?: string;
}

/**
 * A Resolved placed in namespaces, its own first: render finalizes a declaration once per set of
 * overrides and places it in every namespace that set applies in (thousands of namespaces share a few sets), so the resources of
 * one placement differ in namespace alone.
 */
export interface Placement {
  readonly resolved: Resolved;
  readonly namespaces: readonly string[];
}
