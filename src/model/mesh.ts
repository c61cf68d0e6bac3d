// The mesh a render targets, and its namespace inventory.

import type { Trust } from './trust.ts';

export interface InventoryNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly tenant?: string;
}

export interface Mesh {
  /** metadata.name; absent for the default Mesh of a repository that declares none. */
  readonly name?: string;
  readonly controlPlaneNamespace: string;
  /** The config cluster this Mesh is (where istiod reads Istio config); unique together with `revision`. */
  readonly cluster?: string;
  /** The control-plane revision that reads this Mesh's resources: emitted as the `istio.io/rev` label. */
  readonly revision?: string;
  /** metadata.labels: what Extension.spec.clusterSelector matches. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The file the Mesh document is in, for messages about the Mesh as a whole; absent for the default Mesh. */
  readonly file?: string;
  /** "1.24" style minor version. */
  readonly istioVersion: string;
  readonly output: 'WasmPlugin' | 'TrafficExtension' | 'EnvoyFilter';
  readonly tenantLabel: string;
  readonly insecureRegistries: readonly string[];
  /** Sorted by name; Mesh entries merged with Namespace objects (docs/decisions.md, decision 4). */
  readonly namespaces: readonly InventoryNamespace[];
  /** Where the Mesh sets `spec.output`, to cite when a default output kind breaks a rule. */
  readonly outputAt?: { readonly file: string; readonly line: number; readonly col: number };
  /** Which signatures images need (spec.trust); undefined renders every image unverified. */
  readonly trust?: Trust;
}

export const NEWEST_ISTIO = '1.30';
export const OLDEST_ISTIO = '1.12';
