// Renders the bodies the server sends: the go-import page and the one-line texts.
import type { FallbackConfig } from './config.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

/** Escapes text for an HTML attribute value or text node. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * The go-import page for one import prefix. The go command reads it with a
 * lenient XML tokenizer that stops at <body> or </head>, so the tag comes first
 * in <head>, the document is plain ASCII and nothing scripted precedes it.
 */
export function renderGoImportPage(config: FallbackConfig, prefix: string): string {
  const p = escapeHtml(prefix);
  const mirror = escapeHtml(config.mirror);
  const domain = escapeHtml(config.domain);
  const docs = `https://pkg.go.dev/${p}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta name="go-import" content="${p} mod ${mirror}">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p}</title>
</head>
<body>
<p>${domain} is being served from the module mirror ${mirror} during an outage of its own server.
The go command fetches ${p} from there: every version the mirror already holds is available.</p>
<p>Documentation: <a href="${docs}">${docs}</a></p>
</body>
</html>
`;
}
