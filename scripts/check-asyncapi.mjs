// Parses asyncapi.yaml with the official parser; any error-level diagnostic fails.
import fs from 'node:fs';
import { Parser } from '@asyncapi/parser';

const parser = new Parser();
const { document, diagnostics } = await parser.parse(fs.readFileSync(new URL('../asyncapi.yaml', import.meta.url), 'utf8'));
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of diagnostics) console.log(`${['error', 'warning', 'info', 'hint'][d.severity]} ${d.code}: ${d.message} at ${d.path.join('.')}`);
if (!document || errors.length > 0) process.exit(1);
