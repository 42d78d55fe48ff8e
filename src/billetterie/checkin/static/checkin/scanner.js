/* billetterie scanner: any browser becomes a door scanner, online or offline.
   Online: each scan goes to the redeem API. Offline (or when the server cannot be reached): the
   ticket's Ed25519 signature is checked here with the event's public key, against the revocation
   list and the ticket list kept from the last bundle; accepted scans are queued and synced later
   (the server flags double entries across devices, first scan wins). Everything kept on the
   device lives in IndexedDB (storage.js); the service worker keeps the page itself, so a reload
   while offline brings the scanner back with its bundle and queue. AGPL-3.0-or-later. */

import { openStore } from "./storage.js";

const cfg = JSON.parse(document.getElementById("scanner-config").textContent);
const S = cfg.strings;
const $ = (id) => document.getElementById(id);
let store = null; // set by start(): IndexedDB, or a fallback (see storage.js)

/* A write that may fail without harm (the data comes back from the server at the next load). */
function keep(key, value) {
  return store.set(key, value).catch((e) => console.warn("scanner storage: not kept", key, e));
}

const state = {
  token: null,
  deviceId: null,
  listId: null,
  bundle: null,       // {list, public_key, revoked, tickets, generated_at}
  queue: [],          // scans accepted offline, on disk, not yet synced: {id, text, at, line_id}
  entries: {},        // line id -> {at, device}: entries made on this device since the bundle
  tickets: new Map(), // line id -> bundle ticket
  serials: new Map(), // serial -> line id
  revoked: new Set(), // "line:nonce"
  testTickets: new Set(), // "line:nonce" of test orders' tickets this list refuses
  testSerials: new Map(), // their serials -> line id
  key: null,          // imported Ed25519 public key
  online: true,
  lastOk: null,       // line id of the last accepted entry (for undo)
  recent: new Map(),  // text -> time, to ignore the camera reading the same code again and again
  busy: false,
};

/* ---------------------------------------------------------------- base45 + payload */
const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

export function b45decode(text) {
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const chunk = text.slice(i, i + 3);
    if (chunk.length < 2) return null;
    let value = 0;
    let factor = 1;
    for (const ch of chunk) {
      const digit = B45.indexOf(ch);
      if (digit < 0) return null;
      value += digit * factor;
      factor *= 45;
    }
    if (chunk.length === 3) {
      if (value > 0xffff) return null;
      out.push(value >> 8, value & 0xff);
    } else {
      if (value > 0xff) return null;
      out.push(value);
    }
  }
  return new Uint8Array(out);
}

const PAYLOAD_LENGTH = 81;
const HEADER_LENGTH = 17;
const TEST_FLAG = 0x80; // in the version byte, signed: the ticket of a test order (decision 0010)
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export function parsePayload(text) {
  const data = b45decode(text);
  if (!data || data.length !== PAYLOAD_LENGTH) return null;
  const view = new DataView(data.buffer);
  return {
    version: data[0] & 0x7f,
    test: (data[0] & TEST_FLAG) !== 0,
    eventId: view.getUint32(1),
    lineId: view.getUint32(5),
    nonce: hex(data.subarray(9, HEADER_LENGTH)),
    message: data.slice(0, HEADER_LENGTH),
    signature: data.slice(HEADER_LENGTH),
  };
}

/* ---------------------------------------------------------------- Ed25519 */
function fromBase64(text) {
  const raw = atob(text);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function importKey(base64) {
  if (!base64) return null;
  const raw = fromBase64(base64);
  try {
    const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    return { kind: "webcrypto", key };
  } catch (e) {
    const ed = await import(cfg.nobleUrl); // browsers without Ed25519 in WebCrypto
    return { kind: "noble", ed, raw };
  }
}

async function signatureValid(key, signature, message) {
  if (!key) return false;
  try {
    if (key.kind === "webcrypto") return await crypto.subtle.verify({ name: "Ed25519" }, key.key, signature, message);
    return await key.ed.verifyAsync(signature, message, key.raw, { zip215: false });
  } catch (e) {
    return false;
  }
}

/* The offline verifier: the same answers as the server, from the bundle only. */
export async function verifyOffline(text) {
  const bundle = state.bundle;
  if (!bundle) return { result: "unknown" };
  const serial = /^([A-Z0-9]{4,12})-([0-9]{1,10})$/.exec(text.toUpperCase());
  let lineId;
  if (serial && text.length < 30) {
    lineId = state.serials.get(text.toUpperCase());
    if (lineId === undefined) {
      const testLine = state.testSerials.get(text.toUpperCase());
      return testLine === undefined ? { result: "unknown" } : { result: "test_ticket", lineId: testLine };
    }
  } else {
    const claims = parsePayload(text);
    if (!claims || claims.version !== bundle.payload_version) return { result: "unknown" };
    if (claims.eventId !== bundle.checkin_list.event_id) return { result: "unknown" };
    lineId = claims.lineId;
    // refusals first and cheap; only a ticket about to be accepted pays for the signature check
    if (state.revoked.has(lineId + ":" + claims.nonce)) return { result: "revoked", lineId };
    const known = state.tickets.get(lineId);
    if (known && known.nonce !== claims.nonce) return { result: "unknown" }; // reissued since: refused until the next sync
    if (!(await signatureValid(state.key, claims.signature, claims.message))) return { result: "unknown" };
    // paid in a test mode: only a list that accepts test tickets lets it in. Its payload says so
    // (signed); the bundle also lists the test tickets issued before payloads carried the flag
    const isTest = claims.test || state.testTickets.has(lineId + ":" + claims.nonce);
    if (isTest && !bundle.checkin_list.accept_test_tickets) return { result: "test_ticket", lineId };
  }
  const ticket = state.tickets.get(lineId);
  if (!ticket) {
    // signed by the organiser but not in our copy of the list: sold after the last bundle, or
    // a ticket of another product or date; only an unrestricted list can let it in
    const open = bundle.checkin_list.all_products && bundle.checkin_list.date_ids.length === 0;
    if (!open) return { result: "wrong_list_or_date", lineId };
  }
  const entry = state.entries[lineId] || (ticket && ticket.checked_in_at ? { at: ticket.checked_in_at, device: ticket.checked_in_device } : null);
  const shown = ticket || { line_id: lineId, name: "", label: "" };
  if (entry) return { result: "already_redeemed", lineId, ticket: shown, first_scanned_at: entry.at, first_device: entry.device };
  return { result: "ok", lineId, ticket: shown };
}

/* ---------------------------------------------------------------- API */
class NetworkDown extends Error {}
class AuthFailed extends Error {}

async function api(path, { method = "GET", body, timeout = 4000 } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  try {
    response = await fetch(cfg.api + path, {
      method,
      headers: { Authorization: "Bearer " + state.token, "Content-Type": "application/json", "Accept-Language": document.documentElement.lang },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      cache: "no-store",
      credentials: "omit",
    });
  } catch (e) {
    setOnline(false);
    throw new NetworkDown(String(e));
  } finally {
    clearTimeout(timer);
  }
  if (response.status >= 500) { setOnline(false); throw new NetworkDown("HTTP " + response.status); }
  setOnline(true);
  if (response.status === 401 || response.status === 403) throw new AuthFailed();
  const data = await response.json().catch(() => ({}));
  if (!response.ok) { const err = new Error(data.message || "HTTP " + response.status); err.status = response.status; err.data = data; throw err; }
  return data;
}

function setOnline(online) {
  state.online = online;
  const net = $("net");
  net.dataset.state = online ? "online" : "offline";
  net.textContent = online ? S.online : S.offline;
}

/* ---------------------------------------------------------------- bundle */
function useBundle(bundle) {
  state.bundle = bundle;
  state.tickets = new Map(bundle.tickets.map((t) => [t.line_id, t]));
  state.serials = new Map(bundle.tickets.map((t) => [t.serial, t.line_id]));
  state.revoked = new Set(bundle.revoked.map((r) => r.line_id + ":" + r.nonce));
  const tests = bundle.test_tickets || [];
  state.testTickets = new Set(tests.map((t) => t.line_id + ":" + t.nonce));
  state.testSerials = new Map(tests.map((t) => [t.serial, t.line_id]));
  $("list-name").textContent = bundle.checkin_list.event_title + " — " + bundle.checkin_list.name;
}

async function loadBundle() {
  let bundle = null;
  try {
    bundle = await api("/lists/" + state.listId + "/bundle", { timeout: 15000 });
  } catch (e) {
    if (e instanceof AuthFailed) throw e;
  }
  if (bundle) {
    useBundle(bundle);
    await keep("bundle." + state.listId, bundle);
    // entries made here and already synced are now in the bundle; those still queued (by any tab) are not
    const pending = new Set((await store.queue(state.listId)).map((q) => String(q.line_id)));
    state.entries = await changeEntries((entries) => {
      for (const id of Object.keys(entries)) if (!pending.has(id)) delete entries[id];
    });
  } else if (!state.bundle) {
    const cached = await store.get("bundle." + state.listId, null);
    if (cached) useBundle(cached);
  }
  if (state.bundle) state.key = await importKey(state.bundle.public_key);
  showCounts();
}

function showCounts(list) {
  if (list) { $("count-in").textContent = list.checked_in; $("count-sold").textContent = list.sold; return; }
  if (!state.bundle) return;
  let checked = 0;
  for (const t of state.bundle.tickets) if (t.checked_in_at || state.entries[t.line_id]) checked += 1;
  $("count-in").textContent = checked;
  $("count-sold").textContent = state.bundle.tickets.length;
}

let countsTimer = null;
let countsAt = 0;
async function refreshCounts() {
  // at most every two seconds: a busy door scans faster than the counters need to move
  const wait = countsAt + 2000 - Date.now();
  if (wait > 0) {
    if (!countsTimer) countsTimer = setTimeout(() => { countsTimer = null; refreshCounts(); }, wait);
    return;
  }
  countsAt = Date.now();
  try {
    const list = await api("/lists/" + state.listId);
    showCounts(list);
  } catch (e) {
    showCounts();
  }
}

/* ---------------------------------------------------------------- queue and sync */
function showQueue() {
  const n = state.queue.length;
  $("queue").hidden = n === 0;
  $("queue").textContent = n + " " + S.queued;
}

/* Change this device's entries here and on disk, where what another tab wrote is kept. */
async function changeEntries(change) {
  change(state.entries);
  try {
    return await store.updateEntries(state.listId, change);
  } catch (e) {
    console.warn("scanner storage: entries not kept", e);
    return state.entries;
  }
}

function remember(lineId, at, device) {
  changeEntries((entries) => { entries[lineId] = { at, device }; });
}

/* A scan accepted offline is on disk before the steward sees green: a reload or a crash cannot
   lose it. False when the device refused to keep it. */
async function enqueue(scan) {
  const entry = { at: scan.at, device: state.deviceId };
  try {
    await store.addScan(state.listId, scan, entry);
  } catch (e) {
    console.error("scanner storage: scan not kept", e);
    return false;
  }
  if (!state.queue.some((q) => q.id === scan.id)) state.queue.push(scan); // a sync may have read it already
  state.entries[scan.line_id] = entry;
  showQueue();
  return true;
}

let syncing = false;
async function sync() {
  if (syncing || !state.listId) return;
  syncing = true;
  try {
    state.queue = await store.queue(state.listId); // with what another tab may have queued
    showQueue();
    const items = state.queue;
    if (items.length) {
      const batch = items.slice(0, 500);
      const outcomes = await api("/lists/" + state.listId + "/sync", {
        method: "POST", timeout: 20000,
        body: { device_id: state.deviceId, scans: batch.map((q) => ({ client_scan_id: q.id, text: q.text, scanned_at: q.at })) },
      });
      const done = new Set(outcomes.map((o) => o.client_scan_id));
      for (const o of outcomes) if (o.conflict || !o.ok) addConflict(o);
      await store.removeScans(state.listId, [...done]);
      state.queue = state.queue.filter((q) => !done.has(q.id));
      showQueue();
      await loadBundle();
    }
    await refreshCounts();
  } catch (e) {
    if (e instanceof AuthFailed) showSetup(S.auth_failed);
  } finally {
    syncing = false;
  }
}

function addConflict(o) {
  const li = document.createElement("li");
  const name = o.ticket ? o.ticket.name + " (" + o.ticket.serial + ")" : o.client_scan_id;
  li.textContent = o.conflict
    ? S.conflict.replace("%(name)s", name).replace("%(time)s", timeText(o.first_scanned_at)).replace("%(device)s", o.first_device)
    : name + " — " + (S[o.result] || o.message);
  li.dataset.result = o.result;
  $("conflicts").prepend(li);
  $("conflicts-box").hidden = false;
}

/* ---------------------------------------------------------------- answer */
let audio = null;
function beep(ok) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const tones = ok ? [[880, 0, 0.12]] : [[220, 0, 0.18], [220, 0.25, 0.18]];
    for (const [freq, start, length] of tones) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      osc.type = ok ? "sine" : "square";
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + start);
      osc.stop(audio.currentTime + start + length);
    }
  } catch (e) { /* no sound: the colour still tells */ }
}

function timeText(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function show(answer, offline) {
  const ok = answer.result === "ok";
  const box = $("result");
  box.className = "result " + (ok ? "ok" : "refused");
  box.dataset.result = answer.result;
  $("result-title").textContent = S[answer.result] || answer.message || answer.result;
  const ticket = answer.ticket;
  $("result-name").textContent = ticket ? [ticket.name, ticket.label].filter(Boolean).join(" — ") : "";
  let detail = "";
  if (answer.result === "already_redeemed" && answer.first_scanned_at) {
    detail = S.first_scan.replace("%(time)s", timeText(answer.first_scanned_at)).replace("%(device)s", answer.first_device || "?");
  }
  if (offline) detail = (detail ? detail + " · " : "") + S.offline_check;
  $("result-detail").textContent = detail;
  $("undo-btn").hidden = !(ok && !offline && ticket);
  state.lastOk = ok && ticket ? ticket.line_id : null;
  beep(ok);
}

/* ---------------------------------------------------------------- scanning */
function newScanId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return hex(bytes);
}

async function handle(rawText, source) {
  const text = rawText.replace(/[\r\n]+$/, "").trim();
  if (!text || !state.listId) return;
  const now = Date.now();
  if (source === "camera") {
    const seen = state.recent.get(text);
    if (seen && now - seen < 3000) return; // the camera keeps reading the same code
    state.recent.set(text, now);
  }
  if (state.busy) return;
  state.busy = true;
  const scanId = newScanId();
  try {
    if (state.online) {
      try {
        const answer = await api("/lists/" + state.listId + "/redeem", {
          method: "POST", body: { text, device_id: state.deviceId, client_scan_id: scanId },
        });
        if (answer.ok && answer.ticket) remember(answer.ticket.line_id, new Date().toISOString(), state.deviceId);
        show(answer, false);
        refreshCounts();
        return;
      } catch (e) {
        if (e instanceof AuthFailed) { showSetup(S.auth_failed); return; }
        if (!(e instanceof NetworkDown)) { show({ result: "unknown", message: e.message }, false); return; }
      }
    }
    const answer = await verifyOffline(text);
    if (answer.result === "ok") {
      const kept = await enqueue({ id: scanId, text, at: new Date().toISOString(), line_id: answer.lineId });
      if (!kept) { show({ result: "not_kept", ticket: answer.ticket }, true); return; }
    }
    show(answer, true);
    showCounts();
  } finally {
    state.busy = false;
    if (source !== "camera") $("wedge").focus();
  }
}

let scanner = null;
let cameraOn = false;
async function toggleCamera() {
  const video = $("video");
  const button = $("camera-btn");
  try {
    if (cameraOn) {
      scanner.stop();
      cameraOn = false;
      video.hidden = true;
      button.textContent = S.camera_start;
      return;
    }
    video.hidden = false;
    if (!scanner) {
      scanner = new window.QrScanner(video, (r) => handle(r.data, "camera"), {
        returnDetailedScanResult: true, maxScansPerSecond: 8, preferredCamera: "environment",
      });
    }
    await scanner.start();
    cameraOn = true;
    button.textContent = S.camera_stop;
  } catch (e) {
    video.hidden = true;
    $("result-detail").textContent = S.camera_error;
  }
}

async function undoLast() {
  if (!state.lastOk) return;
  try {
    const answer = await api("/lists/" + state.listId + "/undo", { method: "POST", body: { line_id: state.lastOk, device_id: state.deviceId } });
    const undone = state.lastOk;
    changeEntries((entries) => { delete entries[undone]; });
    const box = $("result");
    box.className = "result idle";
    $("result-title").textContent = S.undone;
    $("result-name").textContent = answer.ticket ? answer.ticket.name : "";
    $("result-detail").textContent = "";
    $("undo-btn").hidden = true;
    state.lastOk = null;
    refreshCounts();
  } catch (e) {
    $("result-detail").textContent = S.undo_failed;
  }
}

async function search(query) {
  const list = $("search-results");
  list.replaceChildren();
  let rows = [];
  try {
    rows = await api("/lists/" + state.listId + "/search?q=" + encodeURIComponent(query));
  } catch (e) {
    const q = query.toLowerCase();
    rows = state.bundle ? state.bundle.tickets.filter((t) => t.name.toLowerCase().includes(q) || t.serial.toLowerCase().startsWith(q)).slice(0, 20) : [];
  }
  if (!rows.length) { const li = document.createElement("li"); li.textContent = S.not_found; list.append(li); }
  for (const row of rows) {
    const li = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = row.name + " — " + row.label + " (" + row.serial + ")" + (row.checked_in_at ? " ✓ " + timeText(row.checked_in_at) : "");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "✓";
    button.setAttribute("aria-label", row.serial);
    button.addEventListener("click", () => handle(row.serial, "search"));
    li.append(label, button);
    list.append(li);
  }
}

/* ---------------------------------------------------------------- start */
function showSetup(message) {
  $("setup").hidden = false;
  $("setup-msg").textContent = message || "";
}

async function chooseList() {
  let lists = null;
  try {
    lists = await api("/lists");
    keep("lists", lists);
  } catch (e) {
    if (e instanceof AuthFailed) { showSetup(S.auth_failed); return null; }
    lists = await store.get("lists", []);
  }
  const wanted = new URLSearchParams(location.search).get("list") || await store.get("list", null);
  const found = lists.find((l) => String(l.id) === String(wanted));
  if (found) return found.id;
  if (lists.length === 1) return lists[0].id;
  if (!lists.length) { showSetup(S.no_token); return null; }
  const select = $("list-select");
  select.replaceChildren(new Option("—", ""), ...lists.map((l) => new Option(l.event_title + " — " + l.name, l.id)));
  $("list-choice").hidden = false;
  showSetup(S.choose_list);
  return new Promise((resolve) => select.addEventListener("change", () => select.value && resolve(Number(select.value))));
}

async function start() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(cfg.serviceWorker, { scope: "/checkin/" }).catch(() => {});
  store = await openStore();
  if (store.kind !== "indexeddb") {
    const warning = $("storage-warning");
    warning.textContent = store.kind === "memory" ? S.storage_memory : S.storage_fallback;
    warning.hidden = false;
  }
  document.body.dataset.storage = store.kind;
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    state.token = fragment.get("token");
    await keep("token", state.token);
    history.replaceState(null, "", location.pathname + location.search); // the token leaves the address bar
  } else {
    state.token = await store.get("token", null);
  }
  state.deviceId = await store.get("device", null);
  if (!state.deviceId) {
    state.deviceId = "scanner-" + newScanId().slice(0, 6);
    await keep("device", state.deviceId);
  }
  $("device-id").textContent = state.deviceId;
  if (!state.token) { showSetup(S.no_token); return; }
  if (!navigator.onLine) setOnline(false);
  const listId = await chooseList();
  if (!listId) return;
  state.listId = listId;
  keep("list", listId);
  state.queue = await store.queue(listId);
  state.entries = await store.get("entries." + listId, {});
  $("setup").hidden = true;
  $("app").hidden = false;
  showQueue();
  try { await loadBundle(); } catch (e) { showSetup(S.auth_failed); return; }
  await sync();

  $("wedge-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("wedge");
    const text = input.value;
    input.value = "";
    handle(text, "wedge");
  });
  $("camera-btn").addEventListener("click", toggleCamera);
  $("undo-btn").addEventListener("click", undoLast);
  $("sync-btn").addEventListener("click", () => { setOnline(true); sync(); });
  $("search-form").addEventListener("submit", (event) => { event.preventDefault(); search($("search").value); });
  // a USB scanner types wherever the focus is: bring stray keystrokes back to the scan field
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key.length === 1) $("wedge").focus();
  });
  window.addEventListener("online", () => { setOnline(true); sync(); });
  window.addEventListener("offline", () => setOnline(false));
  setInterval(() => { if (navigator.onLine) sync(); }, 15000);
  setInterval(() => { if (state.online) loadBundle(); }, 120000);
  $("wedge").focus();
  document.body.dataset.ready = "1";
}

start();
