// Runs every benchmark in bench/ (or those whose name contains a filter), one after another.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const filters = process.argv.slice(2);
const files = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts') && (filters.length === 0 || filters.some((s) => f.includes(s))));
let failed = 0;
for (const f of files.sort()) {
  console.log(`\n## bench/${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', f)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
