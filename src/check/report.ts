// How a check report reads: a block per module and a summary line for people,
// or one JSON document for programs.
import type { ModuleReport, Report } from './run.js';

export function renderText(report: Report): string {
  const blocks = report.modules.map(renderModule);
  return `${blocks.join('\n\n')}\n\n${summary(report)}\n`;
}

function renderModule(m: ModuleReport): string {
  const lines = [m.source === null ? m.path : `${m.path}  (${m.source.vcs} ${m.source.url})`];
  const row = (label: string, versions: readonly string[]): void => {
    lines.push(`  ${label.padEnd(16)}${versions.length === 0 ? '-' : versions.join(' ')}`);
  };
  if (m.error !== null) {
    lines.push(`  not checked:    ${m.error}`);
  } else {
    row('at the primary:', m.primary);
    row('in the mirror:', m.mirror);
    row('missing:', m.missing);
    if (m.warmed.length > 0) row('warmed:', m.warmed);
    for (const failure of m.warmFailures) lines.push(`  warm failed:    ${failure}`);
  }
  if (m.fallback !== null) lines.push(`  fallback:       ${m.fallback}`);
  return lines.join('\n');
}

/** The counts both renderings report. */
function totals(report: Report): { modules: number; missingVersions: number; warmedVersions: number; notChecked: number } {
  return {
    modules: report.modules.length,
    missingVersions: report.modules.reduce((n, m) => n + m.missing.length, 0),
    warmedVersions: report.modules.reduce((n, m) => n + m.warmed.length, 0),
    notChecked: report.modules.filter((m) => m.error !== null).length,
  };
}

export function summary(report: Report): string {
  const { modules: total, missingVersions: missing, warmedVersions: warmed, notChecked: unchecked } = totals(report);
  const badFallback = report.modules.filter((m) => m.fallback !== null && m.fallback !== 'ok').length;
  const parts = [
    `${total} module${total === 1 ? '' : 's'}`,
    `${missing} version${missing === 1 ? '' : 's'} missing from the mirror`,
  ];
  if (warmed > 0) parts.push(`${warmed} warmed`);
  if (unchecked > 0) parts.push(`${unchecked} not checked`);
  if (report.fallback !== null) parts.push(badFallback === 0 ? 'fallback ok' : `fallback wrong for ${badFallback}`);
  return `${report.ready ? 'ready' : 'NOT READY'}: ${parts.join(', ')}`;
}

export function renderJson(report: Report): string {
  return `${JSON.stringify({ ...report, summary: totals(report) }, null, 2)}\n`;
}
