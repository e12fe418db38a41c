import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { Document } from 'openapi-backend';

/** The project root: the nearest folder above this module that holds openapi.yaml (works from src/ and dist/). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'openapi.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('openapi.yaml not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export interface LoadedSpec {
  document: Document;
  yamlText: string;
}

export function loadSpec(file = path.join(projectRoot(), 'openapi.yaml')): LoadedSpec {
  const yamlText = fs.readFileSync(file, 'utf8');
  return { document: YAML.parse(yamlText) as Document, yamlText };
}
