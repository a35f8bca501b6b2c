// Small behaviours shared by every page. No inline scripts: the CSP forbids them.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});

document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});

// The header's user menu (a <details>) closes on a click elsewhere or on Escape.
function userMenusClose(except) {
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    if (menu !== except) menu.removeAttribute("open");
  });
}
document.addEventListener("click", (event) => {
  userMenusClose(event.target.closest && event.target.closest("details.user-menu"));
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") userMenusClose(null);
});

// Logging out wipes what the browser keeps for the site, the counter's offline queue
// included (the counter page guards its own logout: offline_counter.js). Elsewhere, warn
// when scans, sales or parcels made offline on this tablet still wait to be sent.
async function offlineScansWaiting() {
  if (!window.indexedDB || !indexedDB.databases) return 0;
  let names = [];
  try {
    names = (await indexedDB.databases()).map((database) => database.name);
  } catch (error) {
    return 0; // no storage to read: nothing waits here
  }
  if (!names.includes("comptoir-counter")) return 0;
  return new Promise((resolve) => {
    const open = indexedDB.open("comptoir-counter");
    open.onerror = () => resolve(0);
    open.onsuccess = () => {
      const db = open.result;
      // The scans, and the sales and parcels that followed them.
      const stores = ["queue", "handouts"].filter((name) => db.objectStoreNames.contains(name));
      if (!stores.length) {
        db.close();
        resolve(0);
        return;
      }
      const transaction = db.transaction(stores);
      const counts = stores.map((name) => transaction.objectStore(name).count());
      transaction.oncomplete = () => { db.close(); resolve(counts.reduce((sum, c) => sum + c.result, 0)); };
      transaction.onerror = () => { db.close(); resolve(0); };
    };
  });
}
document.addEventListener("submit", async (event) => {
  const logout = event.target;
  const warning = logout.dataset && logout.dataset.offlineWaiting;
  if (!warning || logout.dataset.checked || window.ComptoirOffline) return;
  event.preventDefault();
  const waiting = await offlineScansWaiting();
  if (waiting && !window.confirm(warning.replace("%(count)s", String(waiting)))) return;
  logout.dataset.checked = "1";
  logout.submit();
});
