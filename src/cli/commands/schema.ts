// meshext schema: the native kinds' JSON Schemas, for editors (yaml-language-server).

import type { Command } from '../io.ts';
import { EXIT } from '../io.ts';
import { parse } from '../_args.ts';
import { usageError } from '../_report.ts';
import { NATIVE_SCHEMAS } from '../../schema/native-schemas.ts';

const HELP = `Usage: meshext schema [KIND]

Prints the JSON Schema of the meshext.dev kinds (Extension, Mesh, ExtensionGenerator) as one
JSON document whose oneOf picks by kind; with KIND, only that kind's schema. Point
yaml-language-server at it:  # yaml-language-server: $schema=./meshext.schema.json
`;

export const run: Command = async (args, io) => {
  const p = parse(args, {});
  if (typeof p === 'string') return usageError(io, 'schema', p);
  if (p.values.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const kind = p.positionals[0];
  if (kind !== undefined) {
    const s = (NATIVE_SCHEMAS as Record<string, unknown>)[kind];
    if (!s) return usageError(io, 'schema', `unknown kind "${kind}"; kinds: ${Object.keys(NATIVE_SCHEMAS).join(', ')}`);
    io.stdout(`${JSON.stringify(s, null, 2)}\n`);
    return EXIT.ok;
  }
  const all = { $schema: 'http://json-schema.org/draft-07/schema#', title: 'meshext declarations', oneOf: Object.values(NATIVE_SCHEMAS) };
  io.stdout(`${JSON.stringify(all, null, 2)}\n`);
  return EXIT.ok;
};
