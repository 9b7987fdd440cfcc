// Static resources (scripts, styles, images, fonts...): their resource timing entries, reported
// as ARMS `resource` events. fetch and XHR entries are the API collector's (with status and
// method); beacons are ours or analytics.

import { later } from '../pending.js';
import { observe, observed } from '../hooks.js';
import { body, entryJson, ok, opts, pathname, pos, resourceName, timing } from '../fields.js';

// ARMS's resource types, by initiator first, then by the path's extension.
const table = (t) => { const m = new Map(); for (const e of t.split(' ')) { const [k, v] = e.split(':'); for (const x of v.split(',')) m.set(x, k); } return m; };
const BY_INITIATOR = table('css:css js:script image:img,image,imageset,input,icon media:video,audio,track document:iframe,frame,navigation');
const BY_EXT = table('css:css js:js,mjs image:png,jpg,jpeg,gif,webp,svg,ico,avif,bmp font:woff,woff2,ttf,otf,eot media:mp4,webm,mp3,ogg,wav,m4a document:html,htm');

export function resourceType(initiator, path) {
  return BY_INITIATOR.get(initiator) || BY_EXT.get(path.slice(path.lastIndexOf('.') + 1)) || 'other';
}

/**
 * A static resource from its PerformanceResourceTiming entry (the browser's: plain property
 * reads, as in `timing`; responseStatus is missing before Chromium 109 and Safari 18).
 */
export function resourceReport(e) {
  const url = e.name || '';
  const status = e.responseStatus || 0;
  const duration = e.duration;
  const o = { url, name: resourceName(url), type: resourceType(e.initiatorType || '', pathname(url)), method: 'GET' };
  if (status > 0) o.status_code = status;
  o.success = status === 0 ? -1 : ok(status) ? 1 : 0;
  o.duration = pos(duration);
  timing(o, e);
  o.timing_data = entryJson(e);
  if (duration > opts.slowResource) o.slow = 1;
  return ['resource', body(o), , , , , url];
}


export function install(hooks, undo) {
  observed(undo, observe('resource', (entries) => {
    for (const e of entries) {
      if (!/^(fetch|xmlhttprequest|beacon)$/.test(e.initiatorType)) later(resourceReport, e);
    }
  }));
}
