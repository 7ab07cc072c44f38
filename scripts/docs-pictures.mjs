// Makes the pictures in docs/: every BPMN diagram as bpmn-js draws it (docs/<name>.png), and the
// Cockpit runbook's screenshots (docs/runbook/*.png), each of a stuck state this script produces
// against a running Relay and then repairs as docs/runbook.md says.
//
//   npm run docs:pictures                     everything (starts a demo Relay on a scratch database)
//   npm run docs:pictures -- --only=bpmn      the diagrams only (no Relay)
//   npm run docs:pictures -- --relay=http://localhost:8080
//                                             use a running demo Relay started with RELAY_ENV below
//
// Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM=path) and, for the screenshots, Maven
// with Relay's dependencies already fetched (it runs offline: build once with `mvn verify` first).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = join(ROOT, 'docs');
const BPMN = join(ROOT, 'src/main/resources/bpmn');
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? true]));
const PORT = 8097;

// The demo profile with retries seconds apart, so that each stuck state is reached within a minute,
// and the sms channel's ACK gate long, so that a room visibly waits with messages queued behind.
const RELAY_ENV = {
  SERVER_PORT: String(PORT),
  RELAY_DISPATCH_RETRY_DELAYS: '1s,1s',
  RELAY_RECEIPTS_RETRY_DELAYS: '1s,1s',
  RELAY_CHANNELS_SMS_ACK_GATE_TIMEOUT: '10m',
};

// ids of this run: short, as Cockpit's tables cut long values, and new on a Relay used before
const RUN = Date.now().toString(36).slice(-4);

const log = (...m) => console.log(new Date().toISOString().slice(11, 19), ...m);

async function main() {
  const profile = mkdtempSync(join(tmpdir(), 'relay-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    if (args.only !== 'runbook') await diagrams(browser);
    if (args.only !== 'bpmn') await runbook(browser);
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The diagrams: bpmn-js's NavigatedViewer, fitted to the diagram, at device scale 2.

async function diagrams(browser) {
  const page = await browser.newPage();
  await page.setContent('<html><body style="margin:0;background:#fff"><div id="canvas"></div></body></html>');
  const dist = join(ROOT, 'scripts/node_modules/bpmn-js/dist');
  await page.addStyleTag({ path: join(dist, 'assets/diagram-js.css') });
  await page.addStyleTag({ path: join(dist, 'assets/bpmn-js.css') });
  await page.addStyleTag({ path: join(dist, 'assets/bpmn-font/css/bpmn.css') });
  await page.addScriptTag({ path: join(dist, 'bpmn-navigated-viewer.production.min.js') });
  for (const file of readdirSync(BPMN).filter((f) => f.endsWith('.bpmn')).sort()) {
    const margin = 20;
    const inner = await page.evaluate(async (xml) => {
      window.viewer?.destroy();
      const container = document.getElementById('canvas');
      container.style.width = '4000px';
      container.style.height = '3000px';
      window.viewer = new BpmnJS({ container });
      await window.viewer.importXML(xml);
      return window.viewer.get('canvas').viewbox().inner;
    }, readFileSync(join(BPMN, file), 'utf8'));
    // room for the bpmn.io logo (bottom right), which the licence asks to keep visible
    const width = Math.ceil(inner.width + 2 * margin);
    const height = Math.ceil(inner.height + 2 * margin + 30);
    await page.setViewport({ width, height, deviceScaleFactor: 2 });
    await page.evaluate((x, y, w, h) => {
      const container = document.getElementById('canvas');
      container.style.width = `${w}px`;
      container.style.height = `${h}px`;
      const canvas = window.viewer.get('canvas');
      canvas.resized();
      canvas.viewbox({ x, y, width: w, height: h });
    }, inner.x - margin, inner.y - margin, width, height);
    const out = join(DOCS, basename(file, '.bpmn') + '.png');
    await page.screenshot({ path: out, clip: { x: 0, y: 0, width, height } });
    log(`${out} (${Math.round(statSync(out).size / 1024)} KB)`);
  }
  await page.close();
}

// ---------------------------------------------------------------------------------------------
// The runbook: each stuck state produced through the API and the simulator, shown in Cockpit,
// then repaired there.

async function runbook(browser) {
  const relay = args.relay ? { url: args.relay, stop() {} } : await startRelay();
  const devices = await deviceServer();
  try {
    const api = client(relay.url);
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 760, deviceScaleFactor: 1 });
    const cockpit = new Cockpit(page, relay.url);
    try {
      await watchFallback(api);
      await cockpit.login('demo', 'demo');
      await retriesExhausted(api, cockpit);
      await compensationFailed(api, cockpit, devices);
      await roomCancelled(api, cockpit);
    } catch (e) {
      const where = join(tmpdir(), 'docs-pictures-failure');
      await page.screenshot({ path: `${where}.png` });
      writeFileSync(`${where}.html`, await page.content());
      log(`failed on ${page.url()}: see ${where}.png and .html`);
      throw e;
    }
  } finally {
    devices.server.close();
    await relay.stop();
  }
}

/** README's "Watch a fallback": the demo's quick channel gives up on a number never ACKed. */
async function watchFallback(api) {
  const id = `m-never-${RUN}`;
  const started = Date.now();
  await api.post('/api/messages', message(id, 'room-Q', 'quick', '+15559990001'));
  const view = await until(`${id} unconfirmed`, async () => {
    const v = await api.get(`/api/messages/${id}`);
    return v.status === 'UNCONFIRMED' && v.timeline.some((e) => e.event === 'FALLBACK_EMAIL_SENT') ? v : null;
  }, 90);
  log(`fallback after ${Math.round((Date.now() - started) / 1000)} s; ${id}: ${brief(view)}`);
}

/** (a) The provider fails every call: the room's dispatch runs out of retries, the message's own
 *  instance tries once more and holds the incident; with the provider back, Retry delivers it. */
async function retriesExhausted(api, cockpit) {
  const id = `m-outage-${RUN}`;
  await api.put('/simulator/behaviour', { serverErrorRate: 1.0 });
  await api.post('/api/messages', message(id, 'room-outage', 'whatsapp', '+15550101'));
  const instance = await until(`an incident in ${id}'s Message resend`, async () => {
    const [pi] = await api.get(`/engine-rest/process-instance?processDefinitionKey=MessageResendProcess&businessKey=${id}`);
    return pi && (await api.get(`/engine-rest/incident?processInstanceId=${pi.id}`)).length ? pi : null;
  });
  await cockpit.instance(instance.id, 'incidents-tab');
  await cockpit.shot('dispatch-retries-exhausted.png');
  log(`(a) incident; ${id}: ${brief(await api.get(`/api/messages/${id}`))}`);

  await api.del('/simulator/behaviour'); // the provider is back
  await cockpit.retryIncident();
  await cockpit.shot('dispatch-retry.png');
  await cockpit.confirmRetry();
  await until(`${id} delivered`, async () => ['DELIVERED', 'READ'].includes((await api.get(`/api/messages/${id}`)).status));
  log(`(a) after Retry; ${id}: ${brief(await api.get(`/api/messages/${id}`))}`);
}

/** (b) A device refuses the receipt, the saga compensates, and retracting the receipt another
 *  device took fails until that device answers again: an incident in the compensation. */
async function compensationFailed(api, cockpit, devices) {
  const user = `ana-${RUN}`;
  for (const device of ['phone', 'tablet', 'laptop']) {
    await api.put(`/api/users/${user}/devices/${device}`, { pushUrl: `${devices.url}/${device}` });
  }
  devices.tabletDown = true;
  const { syncId } = await api.post('/api/rooms/room-read/read', { userId: user, deviceId: 'phone', upToSequence: 3 });
  const instance = await until(`an incident in read sync ${syncId}`, async () => {
    const [pi] = await api.get(`/engine-rest/process-instance?processDefinitionKey=ReadReceiptSyncProcess&businessKey=${syncId}`);
    return pi && (await api.get(`/engine-rest/incident?processInstanceId=${pi.id}`)).length ? pi : null;
  });
  await cockpit.instance(instance.id, 'incidents-tab');
  await cockpit.shot('compensation-failed.png');
  const stuck = await api.get(`/api/read-syncs/${syncId}`);
  log(`(b) incident; ${syncId} ${stuck.status}: ${stuck.steps.map((t) => `${t.step} ${t.status}`).join(', ')}`);

  devices.tabletDown = false;
  await cockpit.retryIncident();
  await cockpit.confirmRetry();
  const done = await until(`${syncId} compensated`, async () => {
    const view = await api.get(`/api/read-syncs/${syncId}`);
    return view.status === 'COMPENSATED' ? view : null;
  });
  log(`(b) after Retry; ${syncId} ${done.status}: ${done.steps.map((t) => `${t.step} ${t.status}`).join(', ')}`);
}

/** (c) A room waits for its message's ACK with two more queued behind, and its instance is
 *  cancelled; the messages stay, and a new instance (started in Tasklist) sends them again. */
async function roomCancelled(api, cockpit) {
  const room = `room-C-${RUN}`;
  const ids = [1, 2, 3].map((n) => `m-C-${RUN}-${n}`);
  await api.put('/simulator/behaviour', { dropRecipientPrefix: '+1555777' }); // no ACK, for now
  for (const id of ids) await api.post('/api/messages', message(id, room, 'sms', '+15557770001'));
  const instance = await until(`${room} waiting for ${ids[0]}'s ACK`, async () => {
    const [pi] = await api.get(`/engine-rest/process-instance?processDefinitionKey=RoomDeliveryProcess&businessKey=${room}`);
    const view = await api.get(`/api/rooms/${room}`);
    return pi && view.turnHolder === ids[0] && view.waiting === 2 ? pi : null;
  });
  await cockpit.instance(instance.id, 'variables-tab');
  await cockpit.shot('room-before-cancel.png');
  await cockpit.cancelInstance();
  await cockpit.shot('room-cancel.png');
  await cockpit.confirmCancel();
  await until(`${room}'s instance gone`, async () =>
    (await api.get(`/engine-rest/process-instance?processDefinitionKey=RoomDeliveryProcess&businessKey=${room}`)).length === 0);
  log(`(c) cancelled: room ${JSON.stringify(await api.get(`/api/rooms/${room}`))}; ` +
    `${ids[0]}: ${brief(await api.get(`/api/messages/${ids[0]}`))}`);

  await api.del('/simulator/behaviour'); // the provider ACKs again
  await cockpit.startRoom(room);
  await cockpit.shot('room-start.png');
  await cockpit.submitStart();
  await until(`${room}'s messages delivered`, async () => {
    const views = await Promise.all(ids.map((id) => api.get(`/api/messages/${id}`)));
    return views.every((v) => ['DELIVERED', 'READ'].includes(v.status));
  });
  log(`(c) all delivered; ${ids[0]}: ${brief(await api.get(`/api/messages/${ids[0]}`))}`);
}

function brief(view) {
  return `${view.status}, attempts ${view.attempts}, ${view.timeline.map((e) => e.event).join(' ')}`;
}

function message(messageId, roomId, channel, to) {
  return { messageId, roomId, channel, to, body: 'hello', fallbackEmail: 'a@example.com' };
}

// ---------------------------------------------------------------------------------------------
// Cockpit and Tasklist, driven as an operator does.

class Cockpit {
  constructor(page, url) {
    this.page = page;
    this.url = url;
  }

  async login(user, password) {
    const { page } = this;
    await page.goto(`${this.url}/camunda/app/cockpit/default/`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('input[ng-model="username"]', { visible: true });
    await page.type('input[ng-model="username"]', user);
    await page.type('input[ng-model="password"]', password);
    await page.click('button[type="submit"]');
    await page.waitForFunction(() => !location.hash.includes('/login'), { timeout: 30000 });
    await this.settle();
  }

  async instance(id, tab) {
    await this.page.goto(`${this.url}/camunda/app/cockpit/default/#/process-instance/${id}/runtime?tab=${tab}`,
      { waitUntil: 'networkidle0' });
    await this.page.waitForSelector('.djs-container svg');
    await this.settle();
  }

  async retryIncident() {
    await this.click('a[ng-click="openJobRetryDialog(incident)"]');
  }

  async confirmRetry() {
    await this.click('.modal-footer button[ng-click="incrementRetry()"]');
    await this.click('.modal-footer button.btn-primary[ng-click="close(status)"]');
  }

  async cancelInstance() {
    await this.click('a.btn-toolbar[ng-click="openDialog()"]:has(.glyphicon-remove)');
  }

  async confirmCancel() {
    await this.click('.modal-footer button[ng-click="cancelProcessInstance()"]');
    await this.click('.modal-footer button.btn-primary[ng-click="close(status)"]');
  }

  async startRoom(room) {
    await this.page.goto(`${this.url}/camunda/app/tasklist/default/`, { waitUntil: 'networkidle0' });
    await this.click('a[ng-click="open()"]:has(.glyphicon-list-alt)');
    await this.click('a[ng-click="selectProcessDefinition(processDefinition)"]', /^Room delivery$/);
    await this.page.waitForSelector('input#business-key-field', { visible: true });
    await this.page.type('input#business-key-field', room);
  }

  async submitStart() {
    await this.click('button[ng-click="startProcessInstance()"]');
  }

  /** Clicks the first visible element that matches, with a text matching if given. */
  async click(selector, text) {
    const handle = await this.page.waitForFunction((sel, src) => {
      const re = src && new RegExp(src);
      return [...document.querySelectorAll(sel)]
        .find((e) => e.offsetParent !== null && !e.disabled && (!re || re.test(e.textContent.trim())));
    }, { timeout: 15000 }, selector, text?.source);
    await handle.asElement().click();
    await this.settle();
  }

  async settle() {
    await this.page.waitForNetworkIdle({ idleTime: 500, timeout: 15000 }).catch(() => {});
  }

  async shot(name) {
    const out = join(DOCS, 'runbook', name);
    await this.page.screenshot({ path: out });
    log(`${out} (${Math.round(statSync(out).size / 1024)} KB)`);
  }
}

// ---------------------------------------------------------------------------------------------
// A user's devices for the saga: the tablet takes the receipt but cannot retract it while it is
// down; the laptop refuses the receipt, a little later than the tablet takes it.

function deviceServer() {
  const devices = { tabletDown: false };
  devices.server = createServer((req, res) => {
    req.resume();
    const answer = (status) => res.writeHead(status).end();
    if (req.url.startsWith('/laptop/receipts') && !req.url.endsWith('/retract')) {
      setTimeout(() => answer(410), 1500);
    } else if (req.url === '/tablet/receipts/retract' && devices.tabletDown) {
      answer(503);
    } else {
      answer(204);
    }
  });
  return new Promise((resolve) => devices.server.listen(0, '127.0.0.1', () => {
    devices.url = `http://127.0.0.1:${devices.server.address().port}`;
    resolve(devices);
  }));
}

// ---------------------------------------------------------------------------------------------
// Relay: `mvn spring-boot:run` in the demo profile on a scratch H2 database.

async function startRelay() {
  const data = mkdtempSync(join(tmpdir(), 'relay-docs-'));
  const url = `http://localhost:${PORT}`;
  log(`starting Relay on ${url} (database in ${data})`);
  const mvn = spawn('mvn', ['-B', '-q', '-o', '-DskipBpmnLint', 'spring-boot:run'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ...RELAY_ENV,
      SPRING_DATASOURCE_URL: `jdbc:h2:file:${data}/relay;LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE`,
    },
  });
  let output = '';
  mvn.stdout.on('data', (d) => { output = (output + d).slice(-20000); });
  const exited = new Promise((resolve) => mvn.on('exit', resolve));
  await until('Relay up', async () => {
    if (mvn.exitCode !== null) throw new Error(`Relay did not start:\n${output}`);
    return (await fetch(`${url}/actuator/health`).catch(() => null))?.ok;
  }, 300);
  return {
    url,
    async stop() {
      process.kill(-mvn.pid, 'SIGTERM'); // the process group: Maven and Relay's JVM
      const killer = setTimeout(() => process.kill(-mvn.pid, 'SIGKILL'), 15000);
      await exited;
      clearTimeout(killer);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

function client(url) {
  const auth = 'Basic ' + Buffer.from('demo:demo').toString('base64');
  const call = async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: auth },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  return {
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b),
    put: (p, b) => call('PUT', p, b),
    del: (p) => call('DELETE', p),
  };
}

async function until(what, probe, seconds = 120) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
