// The walking skeleton's console: sign in by role, then the funnel from reporting.
const $ = (selector) => document.querySelector(selector);
let token = sessionStorage.getItem('handoff.token');

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error?.message ?? `${response.status} ${response.statusText}`);
  return body;
}

async function setUpSignIn() {
  const config = await fetch('/auth/config').then((r) => r.json());
  $('#local-signin').hidden = !config.localSignIn;
  $('#paste-token').hidden = config.localSignIn;
  for (const role of config.roles) {
    const option = document.createElement('option');
    option.value = role;
    option.textContent = role.replace('_', ' ');
    if (role === 'leadership') option.selected = true;
    $('#role').append(option);
  }
  $('#signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('#signin-error').textContent = '';
    try {
      if (config.localSignIn) {
        const response = await fetch('/auth/local-token', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ role: $('#role').value, sub: $('#sub').value }),
        });
        const body = await response.json();
        if (!response.ok) throw new Error(body.error?.message ?? 'sign-in failed');
        token = body.token;
      } else {
        token = $('#token').value.trim();
      }
      sessionStorage.setItem('handoff.token', token);
      await showFunnel();
    } catch (err) {
      $('#signin-error').textContent = err.message;
    }
  });
}

/** Shows who is signed in (from the token's claims) and offers sign-out. */
function showWho() {
  const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  $('#signin').hidden = true;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Sign out';
  button.addEventListener('click', () => {
    sessionStorage.removeItem('handoff.token');
    location.reload();
  });
  $('#who').replaceChildren(`${claims.sub} · ${claims.role.replace('_', ' ')} `, button);
}

async function showFunnel() {
  showWho();
  $('#funnel').hidden = false;
  $('#funnel-error').textContent = '';
  try {
    const funnel = await api('/api/reporting/v1/reports/funnel');
    const max = Math.max(1, ...funnel.stages.map((s) => s.leads));
    $('#funnel-table tbody').replaceChildren(
      ...funnel.stages.map((s) => {
        const row = document.createElement('tr');
        row.dataset.stage = s.stage;
        const conversion = s.conversionFromPrevious === null ? '—' : `${Math.round(s.conversionFromPrevious * 100)}%`;
        row.innerHTML = `<th scope="row">${s.stage}</th><td class="num"><span class="bar" style="width:${(s.leads / max) * 12}rem"></span>${s.leads}</td><td class="num">${conversion}</td>`;
        return row;
      }),
    );
    $('#funnel-empty').hidden = funnel.stages.some((s) => s.leads > 0);
    $('#backward').replaceChildren(
      ...Object.entries(funnel.backward).map(([type, count]) => {
        const item = document.createElement('li');
        item.textContent = `${type.replace('lead.', '')}: ${count}`;
        return item;
      }),
    );
  } catch (err) {
    $('#funnel-error').textContent = `Could not load the funnel: ${err.message}`;
  }
}

await setUpSignIn();
if (token) await showFunnel();
setInterval(() => token && showFunnel(), 5000);
