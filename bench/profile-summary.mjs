// Summarises V8 .cpuprofile files (from `npm run bench -- --profile`): self
// time by function and by file/package, so the hot spots of T66 are readable
// without DevTools.
//
//   node bench/profile-summary.mjs <dir or .cpuprofile> [--top=25] [--from=S] [--to=S]
// --from/--to keep only the samples between S seconds after the profile started
// (to leave start-up out); the per-second timeline printed first helps choose.
import fs from 'node:fs';
import path from 'node:path';

// Piping into `head` must not end in a stack trace.
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));
const args = process.argv.slice(2);
const flag = (name, fallback) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const top = flag('top', 25);
const fromUs = flag('from', 0) * 1e6;
const toUs = flag('to', Infinity) * 1e6;
const input = args.find((a) => !a.startsWith('--'));
if (!input) {
  process.stderr.write('usage: node bench/profile-summary.mjs <dir or .cpuprofile> [--top=25]\n');
  process.exit(2);
}
const files = fs.statSync(input).isDirectory()
  ? fs.readdirSync(input).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(input, f))
  : [input];

function where(url) {
  if (!url) return '(native/V8)';
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = clean.slice(nm + 13).split('/');
    return `npm:${parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (clean.startsWith('node:')) return clean;
  const dist = clean.indexOf('/dist/');
  return dist >= 0 ? clean.slice(dist + 1) : clean;
}

for (const file of files) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const idleId = profile.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id;
  const busyPerSecond = [];
  let at = 0;
  // timeDeltas[i] is the time before sample i; attribute it to that sample's node.
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    const second = Math.floor(at / 1e6);
    busyPerSecond[second] = (busyPerSecond[second] ?? 0) + (id === idleId ? 0 : delta);
    if (at >= fromUs && at <= toUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  process.stdout.write(`busy % per second: ${Array.from(busyPerSecond, (us) => Math.round((us ?? 0) / 1e4)).join(' ')}\n`);
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  // Inclusive time: each sample counts once for every file/package on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    if (id === idleId) continue;
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { url } = byId.get(at).callFrame;
      if (url) seen.add(where(url));
    }
    for (const f of seen) inclusive.set(f, (inclusive.get(f) ?? 0) + us);
  }
  const byFunction = new Map();
  const byFile = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const fn = `${callFrame.functionName || '(anonymous)'} ${where(callFrame.url)}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const f = where(callFrame.url);
    byFile.set(f, (byFile.get(f) ?? 0) + us);
  }
  const show = (title, map) => {
    process.stdout.write(`\n${title}\n`);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${((us / total) * 100).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}\n`);
    }
  };
  process.stdout.write(`# ${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled\n`);
  show('Self time by file or package:', byFile);
  show('Self time by function:', byFunction);
  show('Inclusive time by file or package (a sample counts for every one on its stack):', inclusive);
}
