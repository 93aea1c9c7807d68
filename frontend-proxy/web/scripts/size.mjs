// Checks the first-load size budget of the run page: the JavaScript that index.html loads
// (entry + modulepreload) plus the run page's own chunk, gzipped, must stay within 300 KB.
// Charts are lazy chunks and are not counted. Exits non-zero when over budget.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = process.argv[2] ?? 'dist';
const budget = 300 * 1024;
const html = readFileSync(join(root, 'index.html'), 'utf8');
const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]));
// The run page chunk and what it imports statically (Vite names chunks after their module).
const assets = readdirSync(join(root, 'assets'));
for (const f of assets) if (/^RunPage-.*\.js$/.test(f)) initial.add(`assets/${f}`);
let total = 0;
for (const f of initial) {
  const gz = gzipSync(readFileSync(join(root, f))).length;
  total += gz;
  console.log(`${(gz / 1024).toFixed(1).padStart(7)} KB  ${f}`);
}
console.log(`${(total / 1024).toFixed(1).padStart(7)} KB  first load of the run page (gzip; budget ${budget / 1024} KB)`);
if (total > budget) {
  console.error('over budget');
  process.exit(1);
}
