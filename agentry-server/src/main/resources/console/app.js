import { auth, get, whoami } from './api.js';
import { clear, h } from './dom.js';
import { memoryPage } from './memory.js';
import { resourcePage } from './resources.js';
import { sessionPage } from './session.js';
import { sessionsPage } from './sessions.js';
import { usagePage } from './usage.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let cleanup = () => {};

function loginPage(root) {
  const key = h('input', { type: 'password', name: 'api_key', autocomplete: 'off', required: true, placeholder: 'sk-agentry-…', 'aria-label': 'API key' });
  const remember = h('input', { type: 'checkbox', name: 'remember' });
  const error = h('p', { class: 'error-text', role: 'alert' });
  const form = h('form', {
    class: 'card login',
    onsubmit: async (e) => {
      e.preventDefault();
      auth.save(key.value.trim(), remember.checked);
      try {
        await get('/v1/sessions?limit=1');
        route(); // the page asked for stays the same: only its content changes
      } catch (err) {
        auth.clear();
        error.textContent = err.status === 401 ? 'That key is not valid.' : err.message;
      }
    },
  },
  h('h1', {}, 'Log in'),
  h('p', { class: 'muted' }, 'Use an Agentry API key. `./agentry serve` saves the first admin key in the data directory as admin.key; `agentry keys create` makes more.'),
  key,
  h('label', {}, remember, ' Remember on this device'),
  h('button', { type: 'submit', class: 'primary' }, 'Log in'),
  error);
  clear(root, form);
  key.focus();
}

// Each page gets `can`: what the key may do (can.write is false for a read_only key).
const routes = [
  [/^#\/sessions\/([\w-]+)$/, (root, id, can) => sessionPage(root, id, can)],
  [/^#\/sessions$/, (root, id, can) => sessionsPage(root, can)],
  [/^#\/agents(?:\/([\w-]+))?$/, (root, id, can) => resourcePage(root, 'agents', id, can)],
  [/^#\/environments(?:\/([\w-]+))?$/, (root, id, can) => resourcePage(root, 'environments', id, can)],
  [/^#\/memory(?:\/([\w-]+))?$/, (root, id, can) => memoryPage(root, id, can)],
  [/^#\/usage$/, (root) => usagePage(root)],
];

let routing = 0;

async function route() {
  cleanup();
  cleanup = () => {};
  const current = ++routing;
  const hash = location.hash || '#/sessions';
  if (!auth.key()) {
    nav.hidden = true;
    loginPage(main);
    return;
  }
  nav.hidden = false;
  for (const link of nav.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', hash.startsWith(`#/${link.dataset.nav}`));
  }
  for (const [pattern, page] of routes) {
    const m = hash.match(pattern);
    if (m) {
      const key = await whoami();
      if (current !== routing || !auth.key()) return; // the user went elsewhere meanwhile
      cleanup = page(main, m[1], { write: key.role !== 'read_only' }) || cleanup;
      return;
    }
  }
  location.hash = '#/sessions';
}

document.getElementById('logout').addEventListener('click', () => {
  auth.clear();
  route();
});
// A key revoked while the console is open sends the user back to the login form (which shows its
// own error when the key typed there is refused).
window.addEventListener('agentry:unauthenticated', () => {
  if (!main.querySelector('form.login')) route();
});
window.addEventListener('hashchange', route);
route();
