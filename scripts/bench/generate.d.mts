// Types for generate.mjs, so test/bench.test.ts typechecks under strict.

export interface BenchCase {
  readonly name: string;
  readonly extensions: number;
  readonly namespaces: number;
}

export declare const CONTROL_PLANE: string;
export declare const REGISTRY: string;
export declare const IMAGE_COUNT: number;
export declare const CASES: readonly BenchCase[];
export declare function imageRef(k: number): string;
export declare function flavorOf(i: number): 'mesh-wide' | 'maistra' | 'tetrate' | 'envoy-filter' | 'overrides' | 'selector-exists' | 'selector-tenants' | 'tenants';
export declare function expectedResources(extensions: number, namespaces: number): number;
export declare function imagesOf(extensions: number): number[];
export declare function generateRepo(dir: string, size: { readonly extensions: number; readonly namespaces: number }): { readonly dir: string; readonly resources: number; readonly files: number };
export declare const FLEET_CASE: { readonly name: string; readonly clusters: number; readonly extensions: number; readonly namespaces: number };
export declare function fleetCluster(c: number): string;
export declare function generateFleet(dir: string, size: { readonly clusters: number; readonly extensions: number; readonly namespaces: number }): { readonly dir: string; readonly clusters: readonly string[]; readonly resourcesPerCluster: number; readonly files: number };
