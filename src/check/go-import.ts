// Reads go-import tags from an HTML page the way the go command does (cmd/go's
// parseMetaGoImports): only tags before <body>, the name exactly "go-import",
// the content split on white space into exactly three fields.
import { HTMLElement, parse, type Node } from 'node-html-parser';
import { hasPathPrefix } from '../core/module-path.js';

export interface GoImport {
  readonly prefix: string;
  readonly vcs: string;
  readonly repoRoot: string;
}

export function parseGoImports(html: string): GoImport[] {
  const imports: GoImport[] = [];
  for (const meta of metasBeforeBody(parse(html))) {
    if (meta.getAttribute('name') !== 'go-import') continue;
    const fields = (meta.getAttribute('content') ?? '').trim().split(/\s+/);
    // go1.19 requires exactly three fields; a fourth (a subdirectory, Go 1.25+)
    // makes older go commands skip the tag.
    const [prefix, vcs, repoRoot] = fields;
    if (fields.length !== 3 || prefix === undefined || vcs === undefined || repoRoot === undefined) continue;
    imports.push({ prefix, vcs, repoRoot });
  }
  return imports;
}

/** Meta elements in document order, up to the first <body> (where the go command stops reading). */
function metasBeforeBody(root: Node): HTMLElement[] {
  const metas: HTMLElement[] = [];
  const walk = (node: Node): boolean => {
    for (const child of node.childNodes) {
      if (!(child instanceof HTMLElement)) continue;
      const tag = child.tagName.toLowerCase();
      if (tag === 'body') return false;
      if (tag === 'meta') metas.push(child);
      if (!walk(child)) return false;
    }
    return true;
  };
  walk(root);
  return metas;
}


export type MatchResult = { readonly tag: GoImport; readonly problem?: never } | { readonly tag?: never; readonly problem: string };

/**
 * The tag the go command uses for an import path in module mode (cmd/go's
 * matchGoImport after parseMetaGoImports with PreferMod): mod tags replace
 * others with the same prefix and come first; the prefix must match by path
 * element; two matches are an error unless the first is mod.
 */
export function matchGoImport(imports: readonly GoImport[], importPath: string): MatchResult {
  const mods = imports.filter((t) => t.vcs === 'mod');
  const modPrefixes = new Set(mods.map((t) => t.prefix));
  const ordered = [...mods, ...imports.filter((t) => t.vcs !== 'mod' && !modPrefixes.has(t.prefix))];
  let match: GoImport | undefined;
  for (const tag of ordered) {
    if (!hasPathPrefix(importPath, tag.prefix)) continue;
    if (match !== undefined) {
      if (match.vcs === 'mod' && tag.vcs !== 'mod') break;
      return { problem: `multiple meta tags match import path "${importPath}"` };
    }
    match = tag;
  }
  if (match !== undefined) return { tag: match };
  const seen = imports.map((t) => t.prefix).join(', ');
  return { problem: seen === '' ? 'no go-import meta tags' : `no go-import meta tags match (found ${seen})` };
}
