// Checks the first-load size budget of the run page: the JavaScript index.html loads, plus the
// run page chunk, plus every chunk those import statically, gzipped, must stay within 300 KB.
// Lazy chunks (charts, other pages) are not counted. Exits non-zero when over budget.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = process.argv[2] ?? 'dist';
const budget = 300 * 1024;
const html = readFileSync(join(root, 'index.html'), 'utf8');
const queue = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
for (const f of readdirSync(join(root, 'assets'))) if (/^RunPage-.*\.js$/.test(f)) queue.push(`assets/${f}`);
const seen = new Set();
let total = 0;
while (queue.length) {
  const f = queue.shift();
  if (seen.has(f) || !existsSync(join(root, f))) continue;
  seen.add(f);
  const code = readFileSync(join(root, f));
  const gz = gzipSync(code).length;
  total += gz;
  console.log(`${(gz / 1024).toFixed(1).padStart(7)} KB  ${f}`);
  // Static imports only: `import{..}from"./x.js"` and `import"./x.js"`, not `import("./x.js")`.
  for (const m of code.toString('utf8').matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) queue.push(`assets/${m[1]}`);
}
console.log(`${(total / 1024).toFixed(1).padStart(7)} KB  first load of the run page (gzip; budget ${budget / 1024} KB)`);
if (total > budget) {
  console.error('over budget');
  process.exit(1);
}
