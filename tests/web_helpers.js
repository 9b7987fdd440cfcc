// Helpers for the browser tests: ways to break the page that Rust cannot express directly.
const saved = {};

export function breakLocalStorage() {
  saved.ls = Object.getOwnPropertyDescriptor(window, 'localStorage');
  Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('denied', 'SecurityError'); } });
}

export function restoreLocalStorage() {
  if (saved.ls) Object.defineProperty(window, 'localStorage', saved.ls);
  else delete window.localStorage;
}

export function fillQuota() {
  saved.setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };
}

export function restoreQuota() {
  Storage.prototype.setItem = saved.setItem;
}

export function dispatchOnWindow(type) { window.dispatchEvent(new Event(type)); }

export function makeFunctions() {
  return [
    (v) => v.endsWith('.png'),
    () => { throw new Error('user filter throws'); },
    (url) => 'named:' + new URL(url).pathname,
  ];
}

export function clearCookies() {
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0].trim();
    if (name) document.cookie = name + '=; max-age=0; path=/';
  }
}
