// Renders the go-import page: the tag the go command reads, and a line for people.
import type { FallbackConfig } from './config.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

/** Escapes text for an HTML attribute value or text node. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Builds the renderer of go-import pages for one configuration: the parts that
 * depend only on it are escaped once, here. The go command reads the page with
 * a lenient XML tokenizer that stops at <body> or </head>, so the tag comes
 * first in <head>, the document is plain ASCII and nothing scripted precedes it.
 */
export function createPageRenderer(config: FallbackConfig): (prefix: string) => string {
  const mirror = escapeHtml(config.mirror);
  const domain = escapeHtml(config.domain);
  return (prefix) => {
    const p = escapeHtml(prefix);
    const docs = `https://pkg.go.dev/${p}`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta name="go-import" content="${p} mod ${mirror}">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${domain}: served from the module mirror</title>
</head>
<body>
<p>${domain} is being served from the module mirror ${mirror} during an outage of its own server.
The go command fetches this module from there: every version the mirror already holds is available.</p>
<p><a href="${docs}">Documentation on pkg.go.dev</a></p>
</body>
</html>
`;
  };
}
