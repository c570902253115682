// Field mode's storage on the device: one IndexedDB database, everything in it sealed
// with AES-GCM under a key made on this device that can never be exported.
//
// Stores: "keys"   the device's CryptoKey (non-extractable; kept as a key object,
//                  never as bytes, never in localStorage)
//         "outbox" contacts waiting to be sent: {id, created, iv, data} — id is the
//                  contact's own UUID, created orders the list; all else is sealed
//         "cache"  the signed-in user's profile and case list: {iv, data}, sealed

const DB_NAME = 'coresponse-field';
const DB_VERSION = 1;
const KEY_NAME = 'device-key';
export const CACHE_PREFIX = 'coresponse-field-';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function settle(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('Storage transaction aborted'));
  });
}

let dbPromise = null;

function watch(db) {
  // Another tab deleting the database (logout) must not wait for this one.
  db.onversionchange = () => {
    db.close();
    dbPromise = null;
  };
  return db;
}

/** The database, created on first use. */
export function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains('keys')) db.createObjectStore('keys');
        if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { keyPath: 'id' });
        if (!db.objectStoreNames.contains('cache')) db.createObjectStore('cache');
      };
      request.onsuccess = () => resolve(watch(request.result));
      request.onerror = () => {
        dbPromise = null;
        reject(request.error);
      };
    });
  }
  return dbPromise;
}

/** The database if this device already has one; never creates an empty one. */
function openIfPresent() {
  if (dbPromise) return dbPromise;
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME);
    let absent = false;
    request.onupgradeneeded = () => {
      absent = true;
      request.transaction.abort();
    };
    request.onsuccess = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('outbox')) {
        db.close();
        resolve(null);
        return;
      }
      watch(db);
      if (!dbPromise) dbPromise = Promise.resolve(db);
      resolve(db);
    };
    request.onerror = (event) => {
      if (absent) {
        event.preventDefault();
        resolve(null);
      } else {
        reject(request.error);
      }
    };
  });
}

let keyPromise = null;

/** This device's AES-GCM key: made once, stored as a non-extractable CryptoKey. */
function deviceKey() {
  if (!keyPromise) {
    keyPromise = (async () => {
      const db = await openDb();
      const existing = await settle(db.transaction('keys').objectStore('keys').get(KEY_NAME));
      if (existing) return existing;
      const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
        'encrypt',
        'decrypt',
      ]);
      const tx = db.transaction('keys', 'readwrite');
      // add, not put: if another tab made a key first, keep that one.
      tx.objectStore('keys').add(fresh, KEY_NAME);
      try {
        await finished(tx);
        return fresh;
      } catch (error) {
        return settle(db.transaction('keys').objectStore('keys').get(KEY_NAME));
      }
    })().catch((error) => {
      keyPromise = null;
      throw error;
    });
  }
  return keyPromise;
}

// The record's name is bound in as associated data: a sealed value moved to another
// record does not open.
async function seal(value, name) {
  const key = await deviceKey();
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(name) },
    key,
    encoder.encode(JSON.stringify(value)),
  );
  return { iv, data };
}

async function unseal(record, name) {
  const key = await deviceKey();
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: record.iv, additionalData: encoder.encode(name) },
    key,
    record.data,
  );
  return JSON.parse(decoder.decode(plain));
}

// --- Outbox -------------------------------------------------------------------------

/** Keep a contact (new or updated) in the outbox, sealed. */
export async function putOutbox(item) {
  const { id, created, ...content } = item;
  const sealed = await seal(content, `outbox:${id}`);
  const db = await openDb();
  const tx = db.transaction('outbox', 'readwrite');
  tx.objectStore('outbox').put({ id, created, ...sealed });
  await finished(tx);
}

/** Every outbox item, opened, oldest first. One that no longer opens is shown as such. */
export async function listOutbox() {
  const db = await openIfPresent();
  if (!db) return [];
  const records = await settle(db.transaction('outbox').objectStore('outbox').getAll());
  records.sort((a, b) => a.created - b.created);
  const items = [];
  for (const record of records) {
    try {
      items.push({ id: record.id, created: record.created, ...(await unseal(record, `outbox:${record.id}`)) });
    } catch (error) {
      items.push({ id: record.id, created: record.created, unreadable: true });
    }
  }
  return items;
}

export async function getOutboxItem(id) {
  const db = await openIfPresent();
  if (!db) return null;
  const record = await settle(db.transaction('outbox').objectStore('outbox').get(id));
  if (!record) return null;
  return { id: record.id, created: record.created, ...(await unseal(record, `outbox:${id}`)) };
}

export async function deleteOutbox(id) {
  const db = await openDb();
  const tx = db.transaction('outbox', 'readwrite');
  tx.objectStore('outbox').delete(id);
  await finished(tx);
}

/** How many contacts wait on this device (for every user); 0 without a database. */
export async function countOutbox() {
  const db = await openIfPresent();
  if (!db) return 0;
  return settle(db.transaction('outbox').objectStore('outbox').count());
}

// --- Cached profile and case list -----------------------------------------------------

export async function saveCached(name, value) {
  const sealed = await seal({ savedAt: Date.now(), value }, `cache:${name}`);
  const db = await openDb();
  const tx = db.transaction('cache', 'readwrite');
  tx.objectStore('cache').put(sealed, name);
  await finished(tx);
}

/** A cached value and when it was saved, or null (absent, unreadable, or too old). */
export async function loadCached(name, maxAgeMs) {
  const db = await openIfPresent();
  if (!db) return null;
  const record = await settle(db.transaction('cache').objectStore('cache').get(name));
  if (!record) return null;
  let opened;
  try {
    opened = await unseal(record, `cache:${name}`);
  } catch (error) {
    return null;
  }
  if (maxAgeMs && Date.now() - opened.savedAt > maxAgeMs) {
    await clearCached();
    return null;
  }
  return opened;
}

/** Forget the profile and case list (kept contacts stay). */
export async function clearCached() {
  const db = await openIfPresent();
  if (!db) return;
  const tx = db.transaction('cache', 'readwrite');
  tx.objectStore('cache').clear();
  await finished(tx);
}

// --- Clearing the device ---------------------------------------------------------------

function deleteDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}

/** Delete the database (outbox, cache, key), the service worker's caches and the worker. */
export async function wipeDevice() {
  if (dbPromise) {
    try {
      (await dbPromise).close();
    } catch (error) {
      // A database that failed to open has nothing to close.
    }
  }
  dbPromise = null;
  keyPromise = null;
  await deleteDatabase();
  if (self.caches) {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX)) await caches.delete(name);
    }
  }
  if (navigator.serviceWorker) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) {
      await registration.unregister();
    }
  }
}

/** A new contact id; crypto.randomUUID where the browser has it (Safari 15.4+). */
export function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
