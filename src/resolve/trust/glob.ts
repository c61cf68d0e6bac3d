// The one glob dialect of trust policies, for image references and certificate subjects alike:
// `*` matches within one path segment (no `/`), `**` across segments, everything else literally,
// anchored at both ends. Sigstore's own libraries match a subject as an unanchored regular
// expression, where `acme/ex` accepts `acme/ext`; a glob compiled here never does.

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        src += '.*';
        i++;
      } else src += '[^/]*';
    } else src += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`, 's');
  cache.set(glob, re);
  return re;
}

export function globMatches(glob: string, value: string): boolean {
  return globToRegExp(glob).test(value);
}
