// The native model every input kind is translated into. Plain readonly data.

export type IstioPhase = 'AUTHN' | 'AUTHZ' | 'STATS' | 'UNSPECIFIED_PHASE';
export type MaistraPhase = 'PreAuthN' | 'PostAuthN' | 'PreAuthZ' | 'PostAuthZ' | 'PreStats' | 'PostStats';
export type Phase = IstioPhase | MaistraPhase;
export type OutputKind = 'WasmPlugin' | 'TrafficExtension' | 'EnvoyFilter';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface TargetRef {
  readonly group?: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface TrafficMatch {
  readonly mode?: 'UNDEFINED' | 'CLIENT' | 'SERVER' | 'CLIENT_AND_SERVER';
  readonly ports?: readonly { readonly number: number }[];
}

export interface EnvVar {
  readonly name: string;
  readonly valueFrom?: 'INLINE' | 'HOST';
  readonly value?: string;
}

/** Plugin configuration: any JSON value, or a string that is not JSON (docs/decisions.md, decision 9). */
export type PluginConfig = { readonly json: unknown } | { readonly raw: string };

export interface Scope {
  readonly namespaces?: readonly string[];
  readonly namespaceSelector?: LabelSelector;
  readonly tenants?: readonly string[];
  readonly exclude?: readonly string[];
}

/**
 * The clusters a declaration (or an override) applies in: the union of the Meshes named by cluster
 * and those whose labels the selector matches. Neither given: every cluster.
 */
export interface ClusterPlacement {
  readonly clusters?: readonly string[];
  readonly clusterSelector?: LabelSelector;
}

/** Fields an override may replace; a field given replaces the whole field (docs/decisions.md, decision 5). */
export interface ExtensionFields {
  readonly image?: string;
  readonly sha256?: string;
  readonly pluginName?: string;
  readonly phase?: Phase;
  readonly priority?: number;
  readonly config?: PluginConfig;
  readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
  readonly targetRefs?: readonly TargetRef[];
  readonly match?: readonly TrafficMatch[];
  readonly type?: 'HTTP' | 'NETWORK' | 'UNSPECIFIED_PLUGIN_TYPE';
  readonly failStrategy?: 'FAIL_CLOSE' | 'FAIL_OPEN' | 'FAIL_RELOAD';
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always' | 'UNSPECIFIED_POLICY';
  readonly imagePullSecret?: string;
  readonly vmConfig?: { readonly env?: readonly EnvVar[] };
  readonly output?: OutputKind;
}

export interface Override extends ExtensionFields, ClusterPlacement {
  readonly namespaces?: readonly string[];
  readonly namespaceSelector?: LabelSelector;
  readonly tenants?: readonly string[];
  /** Index in the declaration's `overrides`, for diagnostics. */
  readonly index: number;
}

/** Where a declaration came from: enough to cite file, line and field in any later stage. */
export interface Origin {
  readonly kind: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace?: string;
  /** Render-root-relative path, '<stdin>' for stdin. */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** [line, col] of a field of the source document (or its nearest existing ancestor). */
  readonly locate: (path: readonly (string | number)[]) => readonly [number, number];
}

export interface Extension extends ExtensionFields, ClusterPlacement {
  readonly origin: Origin;
  /** Emitted resource name. */
  readonly name: string;
  /** Declared namespace; for kinds placed by their own rules (Tetrate, Gloo: docs/decisions.md, decisions 7 and 8) the control-plane namespace. */
  readonly namespace: string;
  /** True when the declaration acts as a control-plane (mesh-wide) one wherever it lives (Gloo). */
  readonly controlPlane?: boolean;
  /** The image reference as declared; '' for a Lua declaration, which has none. */
  readonly image: string;
  /**
   * Inline Lua source (a TrafficExtension's `lua.inlineCode`). Such a declaration names no image,
   * so nothing is resolved for it, and it can only be emitted as a TrafficExtension.
   */
  readonly lua?: string;
  /** Where the Sigstore bundle of an http(s) module is, when not at `<url>.sigstore.json`. */
  readonly signature?: string;
  readonly scope?: Scope;
  readonly allowedIn?: readonly string[];
  readonly overrides?: readonly Override[];
  /**
   * Where `clusters` is written when not at spec.clusters (a Gloo selector's). Gloo's clusters are
   * lenient, as Gloo's management plane is: a name no Mesh has renders nothing, with a warning.
   */
  readonly clustersAt?: readonly (string | number)[];
  /** Where a field came from when the source kind spells it differently than `spec.<field>`. */
  readonly sources?: Readonly<Partial<Record<keyof ExtensionFields, readonly (string | number)[]>>>;
  /** Maistra declarations: inbound-only default match, `<name>_root`, priority band checks. */
  readonly flavor?: 'maistra' | 'tetrate' | 'gloo' | 'istio' | 'native';
}
