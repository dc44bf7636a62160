// Reads go-import tags from an HTML page the way the go command does (cmd/go's
// parseMetaGoImports): only tags before <body>, the name exactly "go-import",
// the content split on white space into exactly three fields.
import { HTMLElement, parse, type Node } from 'node-html-parser';

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
