// The size budget: what a page downloads, gzip -9, must stay under size-budget.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sizes } from '../../scripts/size.mjs';

test('gzip total of JS + wasm is within the budget', () => {
  const s = sizes();
  for (const t of [s.scriptTotal, s.esmTotal]) {
    assert.ok(t.gzip <= s.budget.totalGzip, `${t.file}: ${t.gzip} gzip bytes > budget ${s.budget.totalGzip}`);
  }
  assert.ok(s.wasm.raw > 1000 && s.script.raw > 1000, 'the files are real builds');
});

test('the lazy replay files are within their own budget', () => {
  const s = sizes();
  assert.ok(s.replay, 'dist/rum-replay.js is built');
  assert.ok(s.replay.gzip <= s.budget.replayGzip, `${s.replay.file}: ${s.replay.gzip} gzip bytes > budget ${s.budget.replayGzip}`);
  assert.ok(s.replay.raw > 1000, 'a real build');
});

test('the lazy remote-config files are within their own budget', () => {
  const s = sizes();
  assert.ok(s.remote, 'dist/rum-remote.js is built');
  assert.ok(s.remote.gzip <= s.budget.remoteGzip, `${s.remote.file}: ${s.remote.gzip} gzip bytes > budget ${s.budget.remoteGzip}`);
  assert.ok(s.remote.raw > 1000, 'a real build');
});

test('the page is within the issue budget of 32 KB', () => {
  const s = sizes();
  for (const t of [s.scriptTotal, s.esmTotal]) {
    assert.ok(t.gzip <= s.budget.issueBudgetGzip, `${t.file}: ${t.gzip} gzip bytes > ${s.budget.issueBudgetGzip}`);
  }
});

test('the send worker is within its own budget', () => {
  const s = sizes();
  assert.ok(s.send, 'dist/rum-send.js is built');
  assert.ok(s.send.gzip <= s.budget.sendGzip, `${s.send.file}: ${s.send.gzip} gzip bytes > budget ${s.budget.sendGzip}`);
  assert.ok(s.send.raw > 200, 'a real build');
});

test('the tracing file is within its own budget', () => {
  const s = sizes();
  assert.ok(s.trace, 'dist/rum-trace.js is built');
  assert.ok(s.trace.gzip <= s.budget.traceGzip, `${s.trace.file}: ${s.trace.gzip} gzip bytes > budget ${s.budget.traceGzip}`);
  assert.ok(s.trace.raw > 200, 'a real build');
});
