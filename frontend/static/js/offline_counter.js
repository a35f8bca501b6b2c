// The counter without the network (the server side is backend/counter/offline.py).
// Online, the page keeps the day's list of its counter in IndexedDB. When the server
// does not answer, a scan is decided here: the card's signature (card_check.js), then
// the pass in the list (card version, state, today's sessions, appointment, what its
// rules leave), and queued with its idempotency key and its moment. The queue lives in
// IndexedDB, so a reload or a closed tablet loses nothing; it is sent in order when
// the server answers again, and sending it twice records nothing twice.
// What follows an accepted scan at a shop or a food-aid point (a sale, a parcel) is
// drawn by offline_basket.js and offline_parcel.js through window.ComptoirOffline, and
// queued here as a handout, sent after the scans.
(() => {
  const configElement = document.getElementById("offline-config");
  const counter = window.ComptoirCounter;
  if (!configElement || !counter || !window.ComptoirCard || !window.indexedDB) return;
  const config = JSON.parse(configElement.textContent);
  const words = config.words;
  const { form, input } = counter;
  const keyField = form.querySelector("[name=idempotency_key]");
  const banner = document.querySelector("[data-offline-banner]");
  const listKey = `${config.service}:${config.user}`;
  const PING_MS = 10000;
  const LIST_REFRESH_MS = 5 * 60000;
  const SYNC_BATCH = 100;
  const RETRY_MS = 30000;

  // --- IndexedDB: the day's list, the queue, the cards this tablet served offline ------
  const database = new Promise((resolve, reject) => {
    const request = indexedDB.open("comptoir-counter", 2);
    request.onupgradeneeded = () => {
      const db = request.result;
      const stores = {
        lists: undefined, // "<service>:<user>" -> the day's list
        queue: { keyPath: "idempotency_key" }, // the scans
        // "<service>:<pass id>" -> moment accepted here; "sold:<service>:<product>" ->
        // quantity sold here; "spent:<service>:<pass id>" -> cents spent here
        served: undefined,
        state: undefined, // "offline_since" -> ISO moment
        handouts: { keyPath: "idempotency_key" }, // sales and parcels, after their scan
      };
      for (const [name, options] of Object.entries(stores)) {
        if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, options);
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      // A newer page (another tab, after a release) needs to upgrade the store: let it,
      // and start again on the new one (the page is kept for offline use).
      db.onversionchange = () => {
        db.close();
        window.location.reload();
      };
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    // A tab still open on an older page holds the store: online only, until a reload.
    request.onblocked = () => reject(new Error("The offline store is held by an older counter tab"));
  });
  // No storage (a private window, a full disk): the counter works online only.
  let storageOk = true;
  database.catch(() => { storageOk = false; });

  async function store(name, mode, work) {
    const db = await database;
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(name, mode);
      const request = work(transaction.objectStore(name));
      transaction.oncomplete = () => resolve(request ? request.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }
  const read = (name, key) => store(name, "readonly", (s) => s.get(key));
  const write = (name, value, key) => store(name, "readwrite", (s) => s.put(value, key));
  const remove = (name, key) => store(name, "readwrite", (s) => s.delete(key));
  const clear = (name) => store(name, "readwrite", (s) => s.clear());
  const all = (name) => store(name, "readonly", (s) => s.getAll());

  // --- days and times where the counter is, whatever the tablet's own time zone ------
  const dayFormat = new Intl.DateTimeFormat("en-CA", {
    timeZone: config.time_zone, year: "numeric", month: "2-digit", day: "2-digit",
  });
  const clockFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: config.time_zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  function localDay(moment) {
    return dayFormat.format(new Date(moment)); // 2026-12-03
  }
  function clock(moment) {
    const parts = Object.fromEntries(clockFormat.formatToParts(new Date(moment)).map((p) => [p.type, p.value]));
    return `${parts.hour}:${parts.minute}`;
  }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, (_, name) => String(values[name] ?? ""));
  }

  // --- online or not --------------------------------------------------------------------
  let offline = false;
  let offlineSince = null;

  async function goOffline() {
    if (!storageOk) return;
    if (!offline) {
      offline = true;
      offlineSince = (await read("state", "offline_since")) || new Date().toISOString();
      await write("state", offlineSince, "offline_since");
      setTimeout(ping, PING_MS);
    }
    await showBanner();
  }

  async function goOnline() {
    offline = false;
    offlineSince = null;
    await remove("state", "offline_since");
    await showBanner();
    await drain();
    await takeList();
  }

  // Online with scans still waiting (the server answered an error): try again.
  setInterval(() => { if (!offline && storageOk) drain(); }, RETRY_MS);

  async function waitingHere(name) {
    return (await all(name)).filter((item) => item.service === config.service);
  }

  async function showBanner() {
    const waiting = (await waitingHere("queue")).length;
    const handouts = await waitingHere("handouts");
    // What waits, for the logout's warning and the browser tests.
    document.documentElement.dataset.offlineWaiting = String(waiting + handouts.length);
    const said = [];
    if (waiting || !handouts.length) {
      said.push(waiting === 0
        ? words.nothing_waiting
        : fill(waiting === 1 ? words.waiting_one : words.waiting_other, { count: waiting }));
    }
    for (const [kind, kindWords] of Object.entries(api.kindWords)) {
      const count = handouts.filter((handout) => handout.kind === kind).length;
      if (count) said.push(fill(count === 1 ? kindWords.one : kindWords.other, { count }));
    }
    if (!offline) {
      // Back online: the banner stays while something still waits to be sent.
      banner.hidden = waiting + handouts.length === 0;
      banner.textContent = said.join(" · ");
      return;
    }
    banner.textContent = [fill(words.offline_since, { time: clock(offlineSince) }), ...said].join(" · ");
    banner.hidden = false;
  }

  async function ping() {
    if (!offline) return;
    try {
      const response = await fetch(config.ping_url, { cache: "no-store" });
      if (response.ok) {
        await goOnline();
        return;
      }
    } catch (error) {
      // Still no network: try again later.
    }
    setTimeout(ping, PING_MS);
  }

  window.addEventListener("offline", goOffline);
  window.addEventListener("online", ping);

  // --- the day's list -----------------------------------------------------------------
  async function takeList() {
    try {
      const response = await fetch(config.snapshot_url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (!response.ok) return;
      const list = await response.json();
      await write("lists", list, listKey);
      // The server's list now counts what this tablet served, sold and sent, unless some
      // of it still waits in the queue.
      const waiting = (await all("queue")).length + (await all("handouts")).length;
      if (!draining && waiting === 0) {
        await clear("served");
      }
    } catch (error) {
      if (error instanceof TypeError) await goOffline(); // fetch's "no network"
    }
  }

  async function dayList(now) {
    const list = await read("lists", listKey);
    if (list && list.day !== localDay(now)) {
      // Kept for its day only.
      await remove("lists", listKey);
      return null;
    }
    return list || null;
  }

  // --- the verdict on the tablet ------------------------------------------------------
  async function decide(text, units, now) {
    const list = await dayList(now);
    const refused = (reason, message) => ({
      accepted: false,
      reason,
      message: message || (list && list.messages[reason]) || words.refused,
    });
    if (!text.trim()) return refused("empty");
    if (!list) return { accepted: false, reason: "offline_no_list", message: config.no_list_message };
    // A short code typed by hand names its pass only on the server.
    const compact = text.replace(/[\s-]/g, "").toUpperCase();
    if (compact.length <= 12 && !/^C[PV]1/.test(compact)) return refused("offline_unknown");
    const card = await window.ComptoirCard.read(text, list.keys);
    if (card.refusal) return refused(card.refusal);
    const claims = card.claims;
    if (claims.voucher) return refused("offline_voucher");
    const entry = list.passes[String(claims.id)];
    if (!entry) return refused("offline_unknown");
    if (claims.card_version < entry.v) return refused("replaced");
    if (claims.card_version > entry.v) return refused("unknown_pass");
    if (entry.refusal) return refused(entry.refusal);
    const moment = now.getTime();
    const session = list.sessions.find((s) => Date.parse(s.starts) <= moment && moment < Date.parse(s.ends));
    if (!session) {
      const next = list.sessions.find((s) => Date.parse(s.starts) > moment);
      if (!next) return refused("counter_closed");
      return refused("counter_closed", fill(list.messages.counter_closed_next, {
        day: list.day_words,
        time: clock(next.starts),
      }));
    }
    const booked = (entry.appointments || []).some(
      (at) => Date.parse(session.starts) <= Date.parse(at) && Date.parse(at) < Date.parse(session.ends),
    );
    if (session.by_appointment && !booked) return refused("appointment_required");
    const servedHere = await read("served", `${config.service}:${claims.id}`);
    const last = [entry.last_at, servedHere].filter(Boolean).map(Date.parse).sort().pop();
    if (servedHere || (last && moment - last < list.repeat_minutes * 60000)) {
      // Offline, a card is served once a day per tablet: what is left after that is
      // known to the server only.
      return refused("already_served", fill(list.messages.already_served_now, { time: clock(last) }));
    }
    if (entry.used_up) return refused(entry.used_up.reason, entry.used_up.message);
    if (units > 1 && entry.meals_left != null && units > entry.meals_left) {
      return refused("not_enough_meals", entry.meals_message);
    }
    return {
      accepted: true,
      reason: "",
      message: words.accepted_message,
      passId: claims.id,
      firstName: entry.name,
      size: entry.size,
      allowances: entry.after,
    };
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(verdict) {
    const live = document.getElementById("counter-live");
    const old = live && live.querySelector(".verdict");
    if (!old) return;
    const section = element("section", `verdict ${verdict.accepted ? "verdict-accepted" : "verdict-refused"}`);
    section.dataset.verdict = verdict.accepted ? "accepted" : "refused";
    section.dataset.reason = verdict.reason;
    section.dataset.offline = "";
    section.setAttribute("role", "status");
    section.setAttribute("aria-live", "assertive");
    section.append(element("p", "verdict-title", verdict.accepted ? words.accepted : words.refused));
    section.append(element("p", "verdict-message", verdict.message));
    if (verdict.firstName) {
      const persons = verdict.size === 1 ? words.person_one : words.person_other;
      section.append(element("p", "verdict-person", `${verdict.firstName} · ${verdict.size} ${persons}`));
    }
    if (verdict.allowances && verdict.allowances.length) {
      const list = element("ul", "verdict-allowances");
      verdict.allowances.forEach((text) => list.append(element("li", "", text)));
      section.append(list);
    }
    section.append(element("p", "verdict-offline", verdict.online ? words.accepted_online : words.decided_offline));
    old.replaceWith(section);
    if (verdict.accepted) api.onAccepted.forEach((hook) => hook(section, verdict));
    counter.verdictShown();
  }

  async function scanOffline(text, key, units) {
    const now = new Date();
    const verdict = await decide(text, units, now);
    await write("queue", {
      idempotency_key: key,
      service: config.service,
      code: text,
      at: now.toISOString(),
      accepted: verdict.accepted,
      reason: verdict.reason,
      units,
    });
    if (verdict.accepted) await write("served", now.toISOString(), `${config.service}:${verdict.passId}`);
    verdict.visitKey = key;
    show(verdict);
    // Ready for the next scan as soon as the verdict shows (a scanner may send at once).
    counter.scanDone();
    await showBanner();
  }

  function unitsTyped() {
    // As the server takes them: 1 to 20 meals at once.
    const typed = Number(form.querySelector("[name=units]")?.value || "1");
    return Number.isInteger(typed) ? Math.min(20, Math.max(1, typed)) : 1;
  }

  // Offline, the form is not sent: the tablet decides (after counter.js has dropped
  // empty and repeated cards, since its listener was added first).
  document.addEventListener(
    "submit",
    (event) => {
      if (event.target !== form || !offline || !storageOk) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      const text = input.value.trim();
      const key = keyField.value;
      const units = unitsTyped();
      // A new key and an empty field at once: the next code must not reuse either.
      counter.scanDone();
      (async () => {
        // A screen under the verdict may take it (a product scanned before its basket).
        for (const take of api.scanTakers) {
          if (await take(text)) {
            counter.scanDone();
            return;
          }
        }
        await scanOffline(text, key, units);
      })();
    },
    true,
  );

  // Online, a scan the server never answered is decided here, with the same key: if it
  // did reach the server, the sync replays it instead of recording it twice.
  document.body.addEventListener("htmx:afterRequest", async (event) => {
    if (event.detail.elt !== form) return;
    if ((!event.detail.xhr || !event.detail.xhr.status) && storageOk) {
      await goOffline();
      // What was sent, not what the field holds now (a tap meanwhile clears it).
      await scanOffline(form.dataset.sentCode ?? input.value.trim(), keyField.value, unitsTyped());
    }
  });

  // An accepted card online: the list learns it at once, in case the network drops now.
  let lastOnline = null; // the last card accepted online: its pass and its scan's key
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt !== form) return;
    form.dataset.sentCode = input.value.trim();
    form.dataset.sentKey = keyField.value;
    lastOnline = null;
  });
  document.body.addEventListener("htmx:afterSwap", async () => {
    const verdict = document.querySelector("[data-verdict]");
    if (!verdict || verdict.dataset.verdict !== "accepted" || !form.dataset.sentCode) return;
    const list = await dayList(new Date());
    if (!list) return;
    const card = await window.ComptoirCard.read(form.dataset.sentCode, list.keys);
    if (card.claims && !card.claims.voucher) {
      await write("served", new Date().toISOString(), `${config.service}:${card.claims.id}`);
      const entry = list.passes[String(card.claims.id)];
      if (entry && !entry.refusal) {
        lastOnline = {
          passId: card.claims.id, visitKey: form.dataset.sentKey, firstName: entry.name, size: entry.size,
        };
      }
    }
  });

  // From an online verdict to its basket or parcel: when the network has gone meanwhile,
  // the tablet's own screen (offline_basket.js, offline_parcel.js) instead of a page
  // that cannot load. The visit is on the server already; what follows is queued.
  async function reachable() {
    try {
      const response = await fetch(config.ping_url, { cache: "no-store", signal: AbortSignal.timeout(3000) });
      return response.ok;
    } catch (error) {
      return false;
    }
  }
  document.addEventListener("click", async (event) => {
    const action = event.target.closest(
      "#counter-live .verdict:not([data-offline]) :is([data-open-basket], [data-open-parcel])",
    );
    if (!action || !storageOk || action.dataset.checked) return;
    event.preventDefault();
    if (!offline && (await reachable())) {
      action.dataset.checked = "1"; // the server answers: on to its page
      action.click();
      return;
    }
    await goOffline();
    if (lastOnline) {
      show({ ...lastOnline, accepted: true, reason: "", message: words.accepted_message, online: true });
    }
  }, true);

  // --- the queue, sent in order when the server answers -------------------------------
  let draining = false;

  function csrfToken() {
    // The cookie's token: the page's own may predate a new login.
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.slice(10)) : form.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
  }

  // One request of a store's waiting items; each answered item leaves the store (the
  // server keeps what it could not record, for the manager). False when not answered.
  async function send(url, storeName, name, batch, fields) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({
        service: config.service,
        [name]: batch.map((item) => Object.fromEntries(fields.map((field) => [field, item[field]]))),
      }),
    });
    if (!response.ok) return false; // kept: sent again at the next online moment
    for (const result of await response.json()) {
      if (result.status === "rejected") console.warn(`Offline ${name} rejected`, result);
      await remove(storeName, result.idempotency_key);
    }
    return true;
  }

  async function drain() {
    if (draining) return;
    draining = true;
    try {
      let waiting = (await waitingHere("queue")).sort((a, b) => a.at.localeCompare(b.at));
      while (waiting.length) {
        const batch = waiting.slice(0, SYNC_BATCH);
        const fields = ["idempotency_key", "code", "at", "accepted", "reason", "units"];
        if (!(await send(config.sync_url, "queue", "scans", batch, fields))) return;
        waiting = waiting.slice(batch.length);
      }
      // Then what followed the scans (a sale needs its visit recorded first).
      let handouts = (await waitingHere("handouts")).sort((a, b) => a.at.localeCompare(b.at));
      while (handouts.length) {
        const url = handouts[0].sync_url;
        const batch = handouts.filter((handout) => handout.sync_url === url).slice(0, SYNC_BATCH);
        const fields = ["idempotency_key", "visit_key", "at", "lines", "payment", "amount_asked"];
        if (!(await send(url, "handouts", "handouts", batch, fields))) return;
        const sent = new Set(batch.map((handout) => handout.idempotency_key));
        handouts = handouts.filter((handout) => !sent.has(handout.idempotency_key));
      }
    } catch (error) {
      if (error instanceof TypeError) await goOffline(); // fetch's "no network"
    } finally {
      draining = false;
      await showBanner();
    }
  }

  // Leaving the counter: what waits is sent first; the day's list is wiped (the server
  // also clears the site's storage when the session ends).
  document.querySelectorAll("form[action$='/logout/']").forEach((logout) => {
    logout.addEventListener("submit", async (event) => {
      if (logout.dataset.cleared) return;
      event.preventDefault();
      if (!offline) await drain();
      const waiting = (await all("queue")).length + (await all("handouts")).length;
      if (waiting && !window.confirm(fill(words.logout_waiting, { count: waiting }))) return;
      await Promise.all([
        clear("lists"), clear("served"), clear("queue"), clear("state"), clear("handouts"),
      ]);
      logout.dataset.cleared = "1";
      logout.submit();
    });
  });
  // For the screens that follow an accepted scan offline (offline_basket.js,
  // offline_parcel.js); its presence also tells comptoir.js that this page guards its
  // own logout (above).
  const api = {
    config,
    onAccepted: [], // (verdict section, verdict) -> draws its button
    scanTakers: [], // async (scanned text) -> true when it takes the scan, not a card
    kindWords: {}, // handout kind -> { one, other }: "%(count)s ventes à envoyer"
    read,
    write,
    element,
    fill,
    clock,
    list: () => dayList(new Date()),
    // A sale or a parcel, queued after its scan and sent after the scans.
    async queueHandout(kind, syncUrl, visitKey, handout) {
      await write("handouts", {
        ...handout,
        kind,
        sync_url: syncUrl,
        service: config.service,
        visit_key: visitKey,
        idempotency_key: counter.freshKey(),
        at: new Date().toISOString(),
      });
      await showBanner();
    },
    ready() {
      const live = document.getElementById("counter-live");
      const old = live && live.querySelector(".verdict");
      if (!old) return;
      const section = element("section", "verdict verdict-ready");
      section.setAttribute("role", "status");
      section.append(element("p", "verdict-title", words.ready));
      old.replaceWith(section);
      counter.scanDone();
    },
  };
  window.ComptoirOffline = api;

  // --- start: the app shell, then the list or offline ----------------------------------
  async function keepAppShell() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register(config.worker_url, { scope: config.scope });
      if (!navigator.onLine) return;
      const cache = await caches.open("comptoir-counter-v1");
      // The worker keeps what goes through it; this visit may not have (the first one,
      // or one that began while the worker was starting): keep what is missing now. The
      // camera's decoder is fetched only when the camera starts.
      const files = [
        config.scope,
        ...Array.from(
          document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon], link[rel=manifest]"),
          (node) => node.src || node.href,
        ),
        form.dataset.wasm,
      ].filter(Boolean);
      const missing = [];
      const today = localDay(new Date());
      for (const file of files) {
        const kept = await cache.match(file, { ignoreVary: true });
        // The page itself must be today's (the worker shows no other: see sw.js).
        const stale = file === config.scope && kept
          && localDay(new Date(kept.headers.get("Date") || 0)) !== today;
        if (!kept || stale) missing.push(file);
      }
      await cache.addAll(missing);
      await navigator.serviceWorker.ready; // installed and answering for the page
      // Ready to open without a network (the browser tests wait for this mark).
      document.documentElement.dataset.offlineReady = "";
    } catch (error) {
      console.warn("The counter cannot be kept for offline use", error);
    }
  }

  async function forgetOtherLists() {
    // Only this counter's list, for this user and today, stays on the tablet.
    const today = localDay(new Date());
    const keys = await store("lists", "readonly", (s) => s.getAllKeys());
    for (const key of keys) {
      const list = await read("lists", key);
      if (key !== listKey || !list || list.day !== today) await remove("lists", key);
    }
  }

  (async () => {
    try {
      await database;
    } catch (error) {
      console.warn("No offline storage on this tablet: the counter works online only", error);
      return;
    }
    await forgetOtherLists();
    offlineSince = await read("state", "offline_since");
    if (!navigator.onLine || offlineSince) {
      await goOffline();
      if (navigator.onLine) ping();
    } else {
      // What waits goes first, so that the list taken next counts it.
      await drain();
      await takeList();
    }
    keepAppShell();
    setInterval(() => { if (!offline) takeList(); }, LIST_REFRESH_MS);
  })();
})();
