import fs from 'node:fs';

/**
 * The code block that follows `<!-- sdk-snippet:NAME -->` in README.md, with the server URL the
 * README uses (`http://localhost:8090`, what `npm start` serves) pointed at a test server instead.
 */
export function readmeSnippet(name: 'js' | 'python', serverUrl: string): string {
  const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const marker = `<!-- sdk-snippet:${name} -->`;
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`README.md has no ${marker}`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!block) throw new Error(`no code block after ${marker}`);
  if (!block[1].includes('http://localhost:8090')) throw new Error(`the ${name} snippet no longer uses http://localhost:8090`);
  return block[1].replaceAll('http://localhost:8090', serverUrl);
}
