// Geography: a world map of sessions by country (world-atlas shapes drawn with d3-geo), each
// country shaded by its sessions; hover shows sessions, error rate and average duration, a click
// filters the session list to it. Region and city below where the database has them, and a
// short note saying why a part is empty.
'use strict';
/* exported mapPage */
/* global h, svg, api, go, render, fmtDur, loadVendor, diagRange, diagTable */
/* global d3, topojson */

let atlas = null;

async function mapData() {
  if (!atlas) {
    await loadVendor('d3-array.js', 'd3-geo.js', 'topojson-client.js');
    const [world, codes] = await Promise.all([fetch('vendor/countries-110m.json').then((r) => r.json()), fetch('vendor/country-codes.json').then((r) => r.json())]);
    // The atlas names countries by ISO numeric id; the collector stores ISO alpha-2.
    const alpha2 = new Map(codes.map(([a2, , num]) => [num, a2]));
    atlas = { features: topojson.feature(world, world.objects.countries).features, alpha2 };
  }
  return atlas;
}

async function mapPage(params) {
  const { sel, q } = diagRange('/map', params);
  render(h('h1', {}, 'Geography ', sel), h('p', { class: 'muted' }, 'Loading…'));
  const [geo, { features, alpha2 }] = await Promise.all([api('/api/geo?' + q), mapData()]);
  const by = new Map(geo.countries.map((c) => [c.country.toUpperCase(), c]));
  const max = Math.max(1, ...geo.countries.map((c) => c.sessions));
  const W = 960, H = 480;
  const path = d3.geoPath(d3.geoNaturalEarth1().fitSize([W, H], { type: 'Sphere' }));
  const info = h('div', { class: 'map-info', 'data-testid': 'map-info' }, h('span', { class: 'muted' }, 'Hover a country; click to see its sessions.'));
  const range = params.get('range') || '24h';
  const shapes = features.map((f) => {
    const code = alpha2.get(String(f.id).padStart(3, '0'));
    const row = code && by.get(code);
    const name = (f.properties && f.properties.name) || code || '';
    const share = row ? 0.15 + 0.85 * (row.sessions / max) : 0;
    const text = row ? `${name}: ${row.sessions} sessions · error rate ${(row.error_rate * 100).toFixed(0)} % · average ${fmtDur(row.avg_duration_ms)}` : `${name}: no sessions`;
    return svg('path', {
      d: path(f) || '', class: 'country' + (row ? ' has' : ''), 'data-testid': 'map-country', 'data-country': code || '', 'data-sessions': row ? row.sessions : 0,
      fill: row ? `rgba(47, 111, 237, ${share.toFixed(2)})` : '#eef1f7',
    }, svg('title', {}, text));
  });
  const map = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'map', role: 'img', 'aria-label': 'sessions by country', 'data-testid': 'world-map' },
    svg('path', { d: path({ type: 'Sphere' }), fill: '#f7fbff', stroke: '#e3e6ee' }), shapes);
  map.addEventListener('mouseover', (e) => {
    const t = e.target.closest('.country');
    if (t) info.replaceChildren(t.querySelector('title').textContent);
  });
  map.addEventListener('click', (e) => {
    const t = e.target.closest('.country.has');
    if (t) go('/', new URLSearchParams({ country: t.dataset.country, range: range === 'all' ? 'all' : range }));
  });
  const why = [];
  if (!geo.country_db) why.push('The collector runs without an IP database (--geo-db none), so no session has a country.');
  if (geo.unknown) {
    why.push(`${geo.unknown} sessions have no country` + (geo.unknown_private_ip ? `: ${geo.unknown_private_ip} of them came from a private or loopback address (a local test, or a proxy whose X-Forwarded-For is not trusted), which no database can place.` : '.'));
  }
  if (geo.country_db && !geo.city_db) why.push('Region and city: the collector has a country-only database; start it with --city-db <MMDB> for regions and cities.');
  render(h('h1', {}, 'Geography ', sel),
    h('div', { class: 'card' }, map, info),
    why.length ? h('div', { class: 'card note', 'data-testid': 'geo-why' }, h('strong', {}, 'Why parts are empty'), h('ul', {}, why.map((w) => h('li', {}, w)))) : null,
    h('h2', {}, 'Countries'),
    diagTable(['Country', 'Sessions', 'Error rate', 'Average duration'], geo.countries.map((c) => h('tr', { 'data-testid': 'geo-row' },
      h('td', {}, h('a', { href: '#/?' + new URLSearchParams({ country: c.country, range }) }, c.country)), h('td', { class: 'num' }, c.sessions),
      h('td', { class: 'num' }, `${(c.error_rate * 100).toFixed(0)} %`), h('td', { class: 'num' }, fmtDur(c.avg_duration_ms)))), 'geo-table'),
    h('h2', {}, 'Regions and cities'),
    diagTable(['Country', 'Region', 'City', 'Sessions'], geo.places.map((p) => h('tr', {}, h('td', {}, p.country), h('td', {}, p.region || '—'), h('td', {}, p.city || '—'), h('td', { class: 'num' }, p.sessions))), 'geo-places'));
}
