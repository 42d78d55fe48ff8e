/* billetterie scanner: where the door keeps its offline data (the bundle, the queue of offline
   scans, the entries made here, the token and the device id).
   IndexedDB: asynchronous, not limited to localStorage's ~5 MB (a 10,000-ticket bundle is a few
   MB), and each queued scan is its own record, written with strict durability before the green
   answer. The keys of the localStorage era ("ck.*") are moved in on first load, then removed.
   Where IndexedDB is refused (some private modes), localStorage in the old format, then memory,
   each with a warning for the steward. AGPL-3.0-or-later. */

const DB_NAME = "billetterie-checkin";
const DB_VERSION = 1;
const PREFIX = "ck.";
const OPEN_TIMEOUT = 4000; // some browsers never answer indexedDB.open in private mode

const request = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

const finished = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve();
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error || new DOMException("transaction aborted", "AbortError"));
});

function openDatabase() {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; reject(new Error("IndexedDB did not open")); }, OPEN_TIMEOUT);
    let req;
    try {
      req = indexedDB.open(DB_NAME, DB_VERSION);
    } catch (e) {
      clearTimeout(timer);
      reject(e);
      return;
    }
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
      if (!db.objectStoreNames.contains("queue")) {
        db.createObjectStore("queue", { keyPath: "id" }).createIndex("list", "list");
      }
    };
    req.onsuccess = () => {
      const db = req.result;
      if (timedOut) { db.close(); return; }
      clearTimeout(timer);
      db.onversionchange = () => db.close(); // a newer page wants to upgrade the schema
      resolve(db);
    };
    req.onerror = () => { clearTimeout(timer); reject(req.error); };
  });
}

function legacyKeys() {
  try {
    return Object.keys(localStorage).filter((k) => k.startsWith(PREFIX));
  } catch (e) {
    return [];
  }
}

function legacyGet(key) {
  try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return undefined; }
}

/* ---------------------------------------------------------------- IndexedDB */
class IdbStore {
  constructor(db) {
    this.db = db;
    this.kind = "indexeddb";
  }

  async get(key, fallback) {
    const value = await request(this.db.transaction("kv").objectStore("kv").get(key));
    return value === undefined ? fallback : value;
  }

  set(key, value) {
    const tx = this.db.transaction("kv", "readwrite");
    tx.objectStore("kv").put(value, key); // the value is copied now: later changes are not written
    return finished(tx);
  }

  async queue(list) {
    const index = this.db.transaction("queue").objectStore("queue").index("list");
    const items = await request(index.getAll(IDBKeyRange.only(String(list))));
    return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }

  /* One scan accepted offline: the queued scan and this device's entry, in one transaction that
     is on disk when the promise resolves (strict durability: not lost by a crash either). */
  addScan(list, scan, entry) {
    const tx = this.db.transaction(["queue", "kv"], "readwrite", { durability: "strict" });
    tx.objectStore("queue").put({ ...scan, list: String(list) });
    return this._changeEntries(tx, list, (entries) => { entries[scan.line_id] = entry; });
  }

  /* The entries made on this device ({line id: {at, device}}), changed by `change` inside one
     transaction: another tab of the same scanner changing them meanwhile is not overwritten.
     Resolves to the entries as written. */
  updateEntries(list, change) {
    return this._changeEntries(this.db.transaction("kv", "readwrite"), list, change);
  }

  async _changeEntries(tx, list, change) {
    const kv = tx.objectStore("kv");
    const key = "entries." + list;
    let entries = {};
    kv.get(key).onsuccess = (event) => {
      entries = event.target.result || {};
      change(entries);
      kv.put(entries, key);
    };
    await finished(tx);
    return entries;
  }

  removeScans(list, ids) {
    const tx = this.db.transaction("queue", "readwrite");
    const store = tx.objectStore("queue");
    for (const id of ids) store.delete(id);
    return finished(tx);
  }

  /* The localStorage era's keys, moved in one transaction, removed once it is on disk. What is
     already in IndexedDB wins; queued scans keep their ids (a replayed sync adds nothing). */
  async migrate() {
    const keys = legacyKeys();
    if (!keys.length) return 0;
    let moved = 0;
    const tx = this.db.transaction(["kv", "queue"], "readwrite", { durability: "strict" });
    const kv = tx.objectStore("kv");
    const queue = tx.objectStore("queue");
    for (const fullKey of keys) {
      const value = legacyGet(fullKey);
      if (value === undefined || value === null) continue;
      const key = fullKey.slice(PREFIX.length);
      const queued = /^queue\.(.+)$/.exec(key);
      if (queued) {
        for (const scan of Array.isArray(value) ? value : []) {
          if (scan && scan.id) { queue.put({ ...scan, list: queued[1] }); moved += 1; }
        }
        continue;
      }
      kv.get(key).onsuccess = (event) => {
        const current = event.target.result;
        if (current === undefined) kv.put(value, key);
        else if (key.startsWith("entries.")) kv.put({ ...value, ...current }, key);
      };
    }
    await finished(tx);
    for (const fullKey of keys) {
      try { localStorage.removeItem(fullKey); } catch (e) { /* gone already */ }
    }
    return moved;
  }
}

/* ---------------------------------------------------------------- fallbacks */
class LocalStore {
  /* The localStorage format of the earlier scanner, so that IndexedDB takes it over later. */
  constructor() {
    this.kind = "localstorage";
  }

  async get(key, fallback) {
    const value = legacyGet(PREFIX + key);
    return value === undefined || value === null ? fallback : value;
  }

  async set(key, value) {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  }

  async queue(list) {
    return (await this.get("queue." + list, [])).map((scan) => ({ ...scan, list: String(list) }));
  }

  async addScan(list, scan, entry) {
    const items = await this.get("queue." + list, []);
    // the queue first: a scan queued without its entry is still sent; the reverse would be lost
    await this.set("queue." + list, [...items.filter((q) => q.id !== scan.id), scan]);
    await this.updateEntries(list, (entries) => { entries[scan.line_id] = entry; });
  }

  async updateEntries(list, change) {
    const entries = await this.get("entries." + list, {});
    change(entries);
    await this.set("entries." + list, entries);
    return entries;
  }

  async removeScans(list, ids) {
    const gone = new Set(ids);
    await this.set("queue." + list, (await this.get("queue." + list, [])).filter((q) => !gone.has(q.id)));
  }

  async migrate() {
    return 0;
  }
}

class MemoryStore extends LocalStore {
  constructor() {
    super();
    this.kind = "memory";
    this.data = new Map();
  }

  async get(key, fallback) {
    return this.data.has(key) ? structuredClone(this.data.get(key)) : fallback;
  }

  async set(key, value) {
    this.data.set(key, structuredClone(value));
  }
}

function localStorageWorks() {
  try {
    localStorage.setItem(PREFIX + "probe", "1");
    localStorage.removeItem(PREFIX + "probe");
    return true;
  } catch (e) {
    return false;
  }
}

/* The best storage this browser allows; `kind` says which ("indexeddb", "localstorage", "memory"). */
export async function openStore() {
  try {
    if (typeof indexedDB === "undefined" || !indexedDB) throw new Error("no IndexedDB");
    const store = new IdbStore(await openDatabase());
    store.migrated = await store.migrate();
    return store;
  } catch (e) {
    console.warn("scanner storage: IndexedDB unavailable, falling back", e);
    return localStorageWorks() ? new LocalStore() : new MemoryStore();
  }
}
