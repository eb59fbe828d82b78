// Makes `require("hopscope")` / `import … from "hopscope"` resolve to this checkout
// from anywhere inside it (tests, notebooks, the kernel), as if it were installed.
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const link = path.join(root, 'node_modules', 'hopscope');
fs.mkdirSync(path.dirname(link), { recursive: true });
try {
  const st = fs.lstatSync(link);
  if (st.isSymbolicLink() && fs.readlinkSync(link) === '..') process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {
  /* absent */
}
fs.symlinkSync('..', link, 'dir');
