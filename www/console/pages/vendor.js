// Loads the console's vendored libraries (www/console/vendor/, copied by set-up) on the pages
// that draw, once each: the session list and path never pay for them.
'use strict';
/* exported loadVendor */

const loaded = new Map();

// Scripts in order (d3-geo needs d3-array first); a stylesheet by its .css name.
function loadVendor(...files) {
  return files.reduce((prev, f) => prev.then(() => {
    if (!loaded.has(f)) {
      loaded.set(f, new Promise((resolve, reject) => {
        const el = f.endsWith('.css') ? Object.assign(document.createElement('link'), { rel: 'stylesheet', href: 'vendor/' + f })
          : Object.assign(document.createElement('script'), { src: 'vendor/' + f });
        el.onload = resolve;
        el.onerror = () => reject(new Error(`vendor/${f} did not load (run scripts/console-charts-vendor.sh)`));
        document.head.append(el);
      }));
    }
    return loaded.get(f);
  }), Promise.resolve());
}
