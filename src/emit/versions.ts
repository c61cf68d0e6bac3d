// Which Istio minor version first has each field we may emit (read branch by branch in istio/api extensions/v1alpha1).

export const SUPPORTED_MIN = 12;
export const SUPPORTED_MAX = 31;

export function minorOf(version: string): number | undefined {
  const m = /^1\.(\d+)$/.exec(version);
  return m ? Number(m[1]) : undefined;
}

/** field → first minor version that has it. */
export const FIELD_SINCE: Readonly<Record<string, number>> = {
  vmConfig: 14,
  match: 16,
  failStrategy: 19,
  type: 20,
  targetRefs: 22,
};

export const FAIL_RELOAD_SINCE = 27;
export const TRAFFIC_EXTENSION_SINCE = 30;
/** Lua extensions exist only as TrafficExtensions. */
export const LUA_SINCE = TRAFFIC_EXTENSION_SINCE;
