// The YAML parser, loaded with `require`, for the reason src/core/bullmq.ts gives (node lexes a CommonJS module
// imported from an ES module); its types come from the package with `import type`.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

export const { isMap, isScalar, isSeq, LineCounter, parse, parseDocument } = createRequire(import.meta.url)(
  'yaml',
) as typeof Yaml;
export type LineCounter = Yaml.LineCounter;
