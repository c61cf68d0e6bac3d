// JavaScript lists an object's integer-like keys ("1", "200": array indices) before all others
// and in ascending order, whatever order they were set in; a YAML or JSON map's keys come in the
// order they are written, and a plugin's config is emitted keys as written (Envoy hands it to the
// plugin as text, and some plugins read it in order). So an object whose written order JavaScript
// would change is wrapped in a Proxy that lists its keys in written order to everything that asks:
// Object.keys, for-in, JSON.stringify and the serializer all see that order. Nothing else changes:
// reading a property reads the object itself. Most maps have no such key and stay plain objects.
//
// A copy made by spreading or Object.assign is a plain object again: code that carries user
// config passes the object itself, never a copy.

/**
 * `o` itself when JavaScript lists its keys as `written` does, else `o` behind a Proxy that lists
 * them so. `written` holds each own key of `o` once.
 */
export function inWrittenOrder<T extends object>(o: T, written: readonly string[]): T {
  const keys = Object.keys(o);
  let same = keys.length === written.length;
  for (let i = 0; same && i < keys.length; i++) same = keys[i] === written[i];
  return same ? o : new Proxy(o, writtenOrderHandler<T>([...written]));
}

/** Whether a key may be one JavaScript moves first: it starts with a digit. */
export function mayMoveFirst(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** Sets an own data property, even one named `__proto__` or after a property of Object.prototype. */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key in o) Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}

/** Keys in `order`, which follows keys added and deleted through the proxy. */
function writtenOrderHandler<T extends object>(order: (string | symbol)[]): ProxyHandler<T> {
  return {
    ownKeys: () => order,
    defineProperty(target, key, descriptor) {
      const added = !Object.hasOwn(target, key);
      const ok = Reflect.defineProperty(target, key, descriptor);
      if (ok && added) order.push(key);
      return ok;
    },
    deleteProperty(target, key) {
      const ok = Reflect.deleteProperty(target, key);
      const i = order.indexOf(key);
      if (ok && i >= 0) order.splice(i, 1);
      return ok;
    },
  };
}
