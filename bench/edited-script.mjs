// The script tag rebuilt from the sources with a few edits made as esbuild loads them (timers,
// a hook in view), for the figure-printing scripts that look inside the SDK (stages.mjs,
// hub.mjs). The sources on disk are not touched.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { ROOT } from '../tests/e2e/harness.mjs';

/**
 * Builds js/script.js into dist/<name>.js with `edits`: [file under src/browser/, text to find,
 * text to put there]. Each must match once: a source that changed shape stops the script with
 * the edit's file rather than measure the wrong thing.
 */
export async function editedScript(name, edits) {
  const plugin = {
    name,
    setup(b) {
      b.onLoad({ filter: /src[\\/]browser[\\/].*\.js$/ }, (a) => {
        let s = readFileSync(a.path, 'utf8');
        for (const [file, from, to] of edits) {
          if (!a.path.endsWith(join('src/browser', file))) continue;
          if (s.split(from).length !== 2) throw new Error(`${name}: ${file} changed shape (${JSON.stringify(from.slice(0, 60))} not found once): update its edits`);
          s = s.replace(from, () => to);
        }
        return { contents: s, loader: 'js' };
      });
    },
  };
  await esbuild.build({ entryPoints: [join(ROOT, 'js/script.js')], bundle: true, format: 'iife', target: 'es2020',
    define: { 'import.meta.url': 'undefined' }, logLevel: 'error', outfile: join(ROOT, `dist/${name}.js`), plugins: [plugin] });
}
