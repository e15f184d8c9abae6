import type { TuneReport, TuneRow } from '../client/types';
import { table } from './text-table';

const fixed = (value: number, digits: number) => value.toFixed(digits);

function rowCells(row: TuneRow, report: TuneReport): string[] {
  const own = row.variant === report.searchVariant;
  const chosen = own && report.recommendation?.ef === row.ef;
  return [
    `${row.variant}${own ? '*' : ''}`,
    `${row.ef}${chosen ? ' <' : ''}`,
    fixed(row.recall, 4),
    fixed(row.recallP5, 2),
    fixed(row.p50Ms, 2),
    fixed(row.p95Ms, 2),
    fixed(row.qps, 0),
  ];
}

/** The tune report for people: what was measured, the table, the recommendation and notes. */
export function formatTuneReport(report: TuneReport): string {
  const lines = [
    `${report.collection}: ${report.points} points (${report.store}, quantization ${report.quantization})`,
  ];
  if (report.status !== 'measured') {
    lines.push(report.summary);
    return lines.join('\n');
  }
  lines.push(
    `${report.samples} stored points sampled as queries; recall@${report.k} against exact search, the point itself excluded`,
  );
  if (report.vectorIndex) lines.push(`index: ${report.vectorIndex}`);
  if (report.exact) {
    lines.push(
      `exact search: p50 ${fixed(report.exact.p50Ms, 2)} ms, p95 ${fixed(report.exact.p95Ms, 2)} ms, ${fixed(report.exact.qps, 0)} queries/s`,
    );
  }
  lines.push('');
  lines.push(
    ...table(
      ['variant', 'ef', `recall@${report.k}`, 'worst 5%', 'p50 ms', 'p95 ms', 'queries/s'],
      report.rows.map((row) => rowCells(row, report)),
    ),
  );
  lines.push(
    `(* the variant searches use${report.recommendation ? '; < the recommended ef' : ''}; worst 5% = 95% of the queries got at least this recall)`,
  );
  lines.push('', report.summary);
  if (report.notes.length > 0) {
    lines.push('notes:');
    for (const note of report.notes) lines.push(`  - ${note}`);
  }
  if (report.applied) {
    lines.push(
      `applied: searches of '${report.collection}' now use ef ${report.applied.ef} ` +
        `(the optimizer may lower it to ${report.applied.floorEf} under load; a request's own ef still wins)`,
    );
  }
  return lines.join('\n');
}
