// pillcap dashboard: vanilla JS against the /v1 API. Two ways in: email and password (a server-side session
// in an HttpOnly cookie this script never sees; requests that change something carry the session's CSRF
// token, kept in memory only and fetched again from GET /v1/session after a reload), or a pasted API token
// (sessionStorage, this tab only). Everything the API returns is inserted with textContent, never as HTML.
const TOKEN_KEY = 'pillcap.token';
const CSRF_HEADER = 'x-csrf-token';
/** token: bearer mode; csrf: session mode; both null: signed out. */
const auth = { token: null, csrf: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? '')));
  return node;
}

/** "2 h ago" from an ISO time (a time slightly in the future, from clock skew, reads "just now"). */
function ago(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} days ago`;
}

/**
 * An API time (UTC ISO) in the browser's local time with its age, e.g. "27 Nov 2026, 09:14 (2 h ago)"; the
 * exact UTC value stays in the element's title for escalations.
 */
function timeCell(tag, iso, never = 'never') {
  if (!iso) return el(tag, {}, never);
  const local = new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return el(tag, { title: `${iso} (UTC)`, dataset: { utc: iso } }, `${local} (${ago(iso)})`);
}

const count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
  }
}

/** `quiet`: a 401 is the caller's to explain (sign-in, resuming a session), not a sign-out. */
async function api(path, options = {}) {
  const method = options.method ?? 'GET';
  const headers = {};
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  else if (auth.csrf && method !== 'GET') headers[CSRF_HEADER] = auth.csrf;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (res.status === 401 && !options.quiet) {
    endSession(auth.token ? 'Your session has ended (token invalid, expired or revoked). Please sign in again.' : 'Your session has ended. Please sign in again.');
    throw new ApiError(401, body);
  }
  if (res.status === 403 && body?.error === 'password_change_required') show('change-password');
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

const state = { me: null, thresholds: { low: 2, high: 16 } };

function show(view) {
  for (const id of ['signin', 'change-password', 'clinic', 'support', 'units']) $(id).hidden = id !== view;
  for (const button of document.querySelectorAll('nav [data-view]')) button.setAttribute('aria-current', button.dataset.view === view ? 'page' : 'false');
  if (view === 'clinic') loadPatients().catch(report($('signin-error')));
  if (view === 'units') loadUnits().catch(report($('signin-error')));
}

function report(target) {
  return (error) => {
    if (error.status !== 401) target.textContent = error.message;
  };
}

/** Forgets the credentials in this page (the server side is signOut's). */
function endSession(message = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  auth.token = null;
  auth.csrf = null;
  state.me = null;
  $('nav').hidden = true;
  $('signin-error').textContent = message;
  show('signin');
}

async function signOut() {
  // a session is revoked on the server (which also clears the cookie); a token simply stops being sent
  if (auth.csrf && !auth.token) await api('/v1/session', { method: 'DELETE', quiet: true }).catch(() => {});
  endSession();
}

async function signInWithToken(token) {
  auth.token = token;
  auth.csrf = null;
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    state.me = await api('/v1/me', { quiet: true });
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    auth.token = null;
    $('signin-error').textContent = error.status === 401 ? 'That token was not accepted.' : error.message;
    return;
  }
  enter();
}

/** Session mode from a sign-in or a GET /v1/session answer (both carry a CSRF token). */
async function startSession(session) {
  auth.token = null;
  auth.csrf = session.csrfToken;
  sessionStorage.removeItem(TOKEN_KEY);
  $('signin-error').textContent = '';
  if (session.mustChangePassword) {
    show('change-password');
    return;
  }
  state.me = await api('/v1/me');
  enter();
}

async function signInWithPassword(email, password) {
  let session;
  try {
    session = await api('/v1/session', { method: 'POST', body: { email, password }, quiet: true });
  } catch (error) {
    $('signin-error').textContent = error.status === 401 ? 'Email or password is wrong, or the account is locked or disabled.' : error.message;
    return;
  }
  $('password').value = '';
  await startSession(session);
}

async function changePassword(currentPassword, newPassword) {
  try {
    await api('/v1/session/password', { method: 'POST', body: { currentPassword, newPassword } });
  } catch (error) {
    $('change-password-error').textContent = error.message;
    return;
  }
  $('change-password-error').textContent = '';
  $('current-password').value = '';
  $('new-password').value = '';
  state.me = await api('/v1/me');
  enter();
}

function enter() {
  $('signin-error').textContent = '';
  const user = state.me.user;
  $('who').textContent = user ? `${user.name} · ${state.me.organisation} · ${state.me.role}` : `${state.me.organisation} · ${state.me.role}`;
  $('nav').hidden = false;
  const clinic = ['clinic', 'clinician', 'coordinator', 'admin'].includes(state.me.role);
  const support = ['support', 'admin'].includes(state.me.role);
  $('nav-clinic').hidden = !clinic;
  $('nav-support').hidden = !support;
  $('nav-units').hidden = !['manufacturing', 'admin'].includes(state.me.role);
  show(clinic ? 'clinic' : support ? 'support' : 'units');
  if (support) loadSerials().catch(() => {});
}

// ---------------------------------------------------------------------------------------------------------
// Clinic

function daysBar(days, thresholds) {
  const pct = (n) => `${Math.min(100, (n / 30) * 100)}%`;
  const fill = el('div', { class: `fill ${days >= thresholds.high ? 'high' : days >= thresholds.low ? '' : 'none'}` });
  fill.style.width = pct(days);
  const low = el('div', { class: 'mark', title: `${thresholds.low} days` });
  low.style.left = pct(thresholds.low);
  const high = el('div', { class: 'mark', title: `${thresholds.high} days` });
  high.style.left = pct(thresholds.high);
  return el('div', { class: 'days-bar', role: 'img', 'aria-label': `${days} of 30 days` }, fill, low, high);
}

async function loadPatients() {
  const list = await api('/v1/patients?limit=200');
  state.thresholds = list.thresholds;
  $('low-threshold').textContent = list.thresholds.low;
  $('high-threshold').textContent = list.thresholds.high;
  const tbody = $('patients').querySelector('tbody');
  tbody.replaceChildren();
  $('patients-empty').hidden = list.patients.length > 0;
  for (const p of list.patients) {
    const period = p.currentPeriod;
    const days = period?.monitoredDays ?? 0;
    const row = el(
      'tr',
      { dataset: { patientId: p.id, reference: p.reference }, onclick: () => openPatient(p) },
      el('td', {}, p.reference),
      el('td', {}, p.name),
      el('td', {}, p.device ?? '—'),
      el('td', {}, period ? `${period.startDate} → ${period.endDate}` : 'not started'),
      el('td', { class: 'days' }, el('span', { class: 'days-count' }, `${days} / 30 `), daysBar(days, list.thresholds)),
      el('td', {}, period?.supplyCode ?? '—'),
      el('td', {}, period?.status ?? '—'),
    );
    tbody.append(row);
  }
}

async function openPatient(p) {
  $('patient').hidden = false;
  $('patient-title').textContent = `${p.name} (${p.reference})`;
  $('patient-meta').textContent = `${p.bodySystem} · ${p.timeZone} · monitoring since ${p.monitoringStart} · cap ${p.device ?? 'none'} · billed by ${p.billingPractitioner}`;
  const [calendar, periods, adherence, symptoms] = await Promise.all([
    api(`/v1/patients/${p.id}/monitored-days`),
    api(`/v1/patients/${p.id}/billing-periods`),
    api(`/v1/patients/${p.id}/adherence`),
    api(`/v1/patients/${p.id}/symptoms`),
  ]);
  const select = $('period-select');
  select.replaceChildren(...calendar.periods.map((period) => el('option', { value: String(period.index) }, `#${period.index + 1}: ${period.startDate} → ${period.endDate}`)));
  const render = () => renderPeriod(calendar.periods.find((period) => String(period.index) === select.value), calendar.thresholds);
  select.onchange = render;
  if (calendar.periods.length > 0) {
    select.value = String(calendar.periods[calendar.periods.length - 1].index);
    render();
  } else {
    $('calendar').replaceChildren(el('p', { class: 'hint' }, 'Monitoring has not started yet.'));
    $('period-summary').textContent = '';
  }
  const summary = adherence.summary;
  $('adherence').textContent =
    summary.takingAdherence === null
      ? 'No doses expected in this range.'
      : `${Math.round(summary.takingAdherence * 1000) / 10}% of doses taken (${summary.takenDoses} of ${summary.expectedDoses}, ${adherence.regimen.dosesPerDay} a day)` +
        `${summary.timingAdherence === null ? '' : `, ${Math.round(summary.timingAdherence * 100)}% on time`}; ${summary.drugHolidays.count} drug holiday(s).`;
  $('symptoms').replaceChildren(
    ...(symptoms.symptoms.length === 0
      ? [el('li', { class: 'hint' }, 'No symptom reports in the last 30 days.')]
      : symptoms.symptoms.map((s) => el('li', {}, `${s.localDate} ${s.localTime}: ${s.label}`))),
  );
  renderBilling(periods);
  const month = new Date().toISOString().slice(0, 7);
  const documentation = await api(`/v1/patients/${p.id}/documentation/${month}`);
  renderDocumentation(documentation);
  $('patient').scrollIntoView({ block: 'start' });
}

function renderPeriod(period, thresholds) {
  if (!period) return;
  const tier = period.monitoredDays >= thresholds.high ? 'upper tier' : period.monitoredDays >= thresholds.low ? 'lower tier' : `below ${thresholds.low} days`;
  $('period-summary').textContent = `${period.monitoredDays} monitored day(s), ${period.deviceActiveDays} device-active · ${tier} · code ${period.supplyCode ?? 'none'} · ${period.status}`;
  $('calendar').replaceChildren(
    ...period.days.map((day) => {
      const kind = day.future ? 'future' : day.monitored ? 'monitored' : day.deviceActive ? 'active' : 'none';
      const detail = day.future ? '' : day.events > 0 ? `${day.lidOpenings} open · ${day.symptoms} sym` : '';
      return el('div', { class: `day ${kind}`, dataset: { date: day.date, state: kind }, title: `${day.date}: ${kind}` }, el('div', { class: 'date' }, day.date.slice(5)), el('div', {}, detail));
    }),
  );
}

function renderBilling(billing) {
  const current = billing.periods[billing.periods.length - 1];
  const lines = [];
  lines.push(el('p', { title: billing.setup.reason }, `98975 set-up: ${billing.setup.code ? `billed with period #${billing.setup.periodIndex + 1}` : 'not billed yet'}.`));
  if (current) lines.push(el('p', {}, `This period: ${current.codes.map((c) => c.code).join(', ') || 'no code yet'} · ${current.status}`));
  for (const m of billing.management.slice(-2)) lines.push(el('p', {}, `${m.month}: ${m.minutes} min, ${m.interactiveCommunications} call(s) → ${m.codes.map((c) => (c.units > 1 ? `${c.code}×${c.units}` : c.code)).join(', ') || 'no code'}`));
  $('billing').replaceChildren(...lines);
}

function renderDocumentation(doc) {
  const labels = { whyMonitored: 'Why monitored', whatCollected: 'What was collected', whatReviewed: 'What was reviewed', communication: 'Communication', whatChanged: 'What changed' };
  const checklist = doc.periods[doc.periods.length - 1]?.checklist;
  const missing = new Set(checklist?.missing ?? []);
  $('documentation').replaceChildren(
    el('ul', {}, ...Object.entries(labels).map(([key, label]) => el('li', {}, `${missing.has(key) ? '✗' : '✓'} ${label}`))),
    el('p', { class: 'hint' }, checklist ? (checklist.complete ? 'Documentation complete.' : `${missing.size} question(s) unanswered.`) : 'No period in this month.'),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Units (manufacturing)

async function loadUnits() {
  const list = await api('/v1/devices?limit=500');
  $('unit-list').querySelector('tbody').replaceChildren(
    ...list.devices.map((d) =>
      el(
        'tr',
        { dataset: { serial: d.serial } },
        el('td', {}, d.serial),
        el('td', {}, d.appFirmware ?? '—'),
        el('td', {}, d.imei ?? '—'),
        el('td', {}, d.factoryPassed ? 'passed' : 'failed'),
        el('td', {}, d.organisation ?? 'stock'),
        el('td', {}, d.assigned ? 'yes' : 'no'),
        timeCell('td', d.lastSeenAt),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Support

async function loadSerials() {
  const list = await api('/v1/devices?limit=500');
  const datalist = el('datalist', { id: 'serials' }, ...list.devices.map((d) => el('option', { value: d.serial })));
  document.getElementById('serials')?.remove();
  document.body.append(datalist);
  $('serial').setAttribute('list', 'serials');
}

const charts = [];

function chart(target, label, times, values, stroke) {
  target.replaceChildren();
  if (typeof uPlot === 'undefined' || times.length === 0) {
    target.append(el('p', { class: 'hint' }, times.length === 0 ? 'No readings in this window.' : 'Charts unavailable.'));
    return;
  }
  charts.push(new uPlot({ width: Math.max(280, target.clientWidth || 480), height: 200, series: [{}, { label, stroke, width: 2, spanGaps: true }], axes: [{}, { size: 64 }] }, [times, values], target));
}

async function diagnose(serial) {
  $('diag-error').textContent = '';
  let d;
  try {
    d = await api(`/v1/devices/${encodeURIComponent(serial)}/diagnostics`);
  } catch (error) {
    $('diagnostics').hidden = true;
    $('diag-error').textContent = error.status === 404 ? `No cap ${serial} in your fleet.` : error.message;
    return;
  }
  $('diagnostics').hidden = false;
  $('diagnostics').dataset.serial = d.serial;
  const primary = d.diagnosis.primary;
  const verdict = $('verdict');
  verdict.className = `verdict ${primary.severity}`;
  verdict.replaceChildren(el('h3', {}, primary.title), el('p', {}, primary.detail), el('p', {}, el('b', {}, 'Next step: '), primary.nextStep), el('p', {}, el('b', {}, 'Tell the caller: '), primary.tellCaller));
  $('verdicts').replaceChildren(...d.diagnosis.verdicts.filter((v) => v.code !== primary.code).map((v) => el('li', {}, `${v.severity}: ${v.title}. ${v.nextStep}`)));
  const facts = [
    ['Last seen', timeCell('dd', d.lastSeenAt)],
    ['Signal', d.signal.rsrpDbm === null ? 'unknown' : `${d.signal.rsrpDbm} dBm (${d.signal.band})${d.signal.sinrDb === null ? '' : `, SINR ${d.signal.sinrDb} dB`}`],
    ['Battery', d.battery.pct === null ? 'unknown' : `${d.battery.pct}%${d.battery.dropPctPerDay === null ? '' : `, −${d.battery.dropPctPerDay}%/day`}`],
    ['Queue', d.queue.depth === null ? 'unknown' : `${d.queue.depth} event(s) waiting`],
    ['Uploads', d.uploads.successRatio === null ? 'no attempts recorded' : `${Math.round(d.uploads.successRatio * 100)}% succeeded (${d.uploads.ok} ok, ${d.uploads.failed} failed)`],
    ['Network', `${count(d.uploads.attachFailures, 'failed attach', 'failed attaches')}, ${count(d.uploads.connectionLosses, 'dropped connection')}`],
    ['Missing events', String(d.seqGaps.missing)],
    ['Unexpected reboots', String(d.reboots.unexpected)],
    ['Power losses', String(d.reboots.powerLosses)],
    ['Clock corrections', String(d.clock.correctionsInWindow)],
    ['Firmware', `${d.firmware.app ?? '?'} / modem ${d.firmware.modem ?? '?'}`],
  ];
  $('facts-window').textContent = `Counts cover the last ${d.windowDays} days; times are in this browser's time zone.`;
  $('facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), v instanceof Node ? v : el('dd', {}, v)]));
  while (charts.length) charts.pop().destroy();
  const signal = d.history.filter((h) => h.rsrpDbm !== null);
  const battery = d.history.filter((h) => h.batteryPct !== null);
  chart($('signal-chart'), 'RSRP dBm', signal.map((h) => Date.parse(h.at) / 1000), signal.map((h) => h.rsrpDbm), '#1565c0');
  chart($('battery-chart'), 'Battery %', battery.map((h) => Date.parse(h.at) / 1000), battery.map((h) => h.batteryPct), '#2e7d32');
}

async function sendCommand(command) {
  const serial = $('diagnostics').dataset.serial;
  try {
    const result = await api(`/v1/devices/${encodeURIComponent(serial)}/commands`, { method: 'POST', body: { command } });
    $('command-status').textContent = `${command} sent (command #${result.commandId}).`;
  } catch (error) {
    $('command-status').textContent = `${command} failed: ${error.message}`;
  }
}

// ---------------------------------------------------------------------------------------------------------

$('password-form').addEventListener('submit', (event) => {
  event.preventDefault();
  signInWithPassword($('email').value.trim(), $('password').value);
});
$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  signInWithToken($('token').value.trim());
});
$('change-password-form').addEventListener('submit', (event) => {
  event.preventDefault();
  changePassword($('current-password').value, $('new-password').value);
});
$('sign-out').addEventListener('click', () => signOut());
for (const button of document.querySelectorAll('nav [data-view]')) button.addEventListener('click', () => show(button.dataset.view));
$('diag-form').addEventListener('submit', (event) => {
  event.preventDefault();
  diagnose($('serial').value.trim().toUpperCase());
});
for (const button of document.querySelectorAll('[data-command]')) button.addEventListener('click', () => sendCommand(button.dataset.command));

// After a reload: the token of this tab, else the session cookie if it is still alive (a fresh CSRF token comes with it).
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signInWithToken(saved);
else
  api('/v1/session', { quiet: true })
    .then(startSession)
    .catch(() => show('signin'));
