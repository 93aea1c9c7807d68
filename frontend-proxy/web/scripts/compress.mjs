// Writes .br and .gz siblings of the built text assets, so the proxy can serve them precompressed
// (it prefers a sibling the client accepts). Node's zlib does both; no extra dependency.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = process.argv[2] ?? 'dist';
const compressible = /\.(js|css|html|svg|json|txt|map)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

let count = 0;
for (const file of files(root)) {
  if (!compressible.test(file)) continue;
  const raw = readFileSync(file);
  if (raw.length < 512) continue;
  writeFileSync(`${file}.gz`, gzipSync(raw, { level: 9 }));
  writeFileSync(
    `${file}.br`,
    brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
  );
  count++;
}
console.log(`compressed ${count} files in ${root}`);
