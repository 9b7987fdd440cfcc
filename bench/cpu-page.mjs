// A page opened for a main-thread CPU measurement, as bench/ab.mjs, send-worker.mjs and
// stages.mjs take them: its own browser context, CDP Performance metrics in thread ticks (main-
// thread CPU time, as bench/run.mjs: not the wall time the renderer spent descheduled), the SDK
// ready when the page has it, then `settle` ms. `taskDuration()` reads TaskDuration, seconds.
export async function cpuPage(browser, url, { sdk = false, settle = 0 } = {}) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await page.goto(url);
  if (sdk) await page.evaluate(() => window.RumSDK.default.ready);
  if (settle) await page.waitForTimeout(settle);
  const taskDuration = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  return { ctx, page, taskDuration };
}
