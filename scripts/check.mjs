#!/usr/bin/env node
// `npm run check`: the contract and the code agree.
//  1. openapi.yaml passes Redocly's recommended rules (exceptions in redocly.yaml / .redocly.lint-ignore.yaml)
//  2. asyncapi.yaml parses with @asyncapi/parser, without errors
//  3. generated/ and sdk/js/src/generated/ are exactly what `npm run generate` makes from openapi.yaml
//  4. TypeScript compiles (a missing handler for an operationId is a compile error), and so does the JS SDK
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);
let failed = false;

function step(name, fn) {
  process.stdout.write(`check: ${name} ... `);
  try {
    fn();
    process.stdout.write('ok\n');
  } catch (err) {
    failed = true;
    process.stdout.write('FAILED\n');
    const out = [err.stdout, err.stderr].filter(Boolean).map(String).join('\n');
    console.error(out || err.message);
  }
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);

step('openapi.yaml lint (redocly)', () => {
  execFileSync(bin('redocly'), ['lint', 'openapi.yaml', '--format=stylish'], { stdio: 'pipe' });
});

step('asyncapi.yaml parse (@asyncapi/parser)', () => {
  execFileSync(process.execPath, ['scripts/check-asyncapi.mjs'], { stdio: 'pipe' });
});

// Each generated tree and the openapi-ts config that makes it (the SDK has its own, see sdk/js/openapi-ts.config.mjs).
const generatedTrees = [
  { config: 'openapi-ts.config.mjs', dir: 'generated' },
  { config: 'sdk/js/openapi-ts.config.mjs', dir: 'sdk/js/src/generated' },
];

for (const tree of generatedTrees) {
  step(`${tree.dir}/ is up to date`, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 't66-gen-'));
    try {
      const config = path.join(tmp, 'openapi-ts.config.mjs');
      fs.writeFileSync(
        config,
        `import base from ${JSON.stringify(path.join(root, tree.config))};\n` +
          `export default { ...base, input: ${JSON.stringify(path.join(root, 'openapi.yaml'))}, output: { ...base.output, path: ${JSON.stringify(path.join(tmp, 'generated'))} } };\n`,
      );
      execFileSync(bin('openapi-ts'), ['-f', config], { stdio: 'pipe' });
      const diff = compareTrees(path.join(tmp, 'generated'), path.join(root, tree.dir));
      if (diff.length) throw new Error(`${tree.dir}/ differs from openapi.yaml; run \`npm run generate\`:\n  ${diff.join('\n  ')}`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

step('typescript compiles', () => {
  execFileSync(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { stdio: 'pipe' });
});

step('sdk/js compiles for browsers and Node (DOM libraries, no Node types)', () => {
  execFileSync(bin('tsc'), ['-p', 'sdk/js/tsconfig.json', '--noEmit'], { stdio: 'pipe' });
});

function listFiles(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

function compareTrees(expected, actual) {
  const a = new Set(listFiles(expected));
  const b = new Set(listFiles(actual));
  const out = [];
  for (const f of a) {
    if (!b.has(f)) out.push(`missing: ${f}`);
    else if (fs.readFileSync(path.join(expected, f), 'utf8') !== fs.readFileSync(path.join(actual, f), 'utf8')) out.push(`stale: ${f}`);
  }
  for (const f of b) if (!a.has(f)) out.push(`extra: ${f}`);
  return out;
}

if (failed) process.exit(1);
console.log('check: all passed');
