/**
 * Writing a configuration document as YAML text (the importers' output).
 *
 * A static import on purpose: the bundle turns a dynamic `import('yaml')` into a
 * chunk with only a default export, and `stringify` was then undefined in the
 * built program while the sources worked.
 */
import { stringify } from 'yaml';

/** One document, no line folding (long URLs and paths stay on their line). */
export function toYamlText(doc: object): string {
  return stringify(doc, { lineWidth: 0 });
}
