// The food-aid point's parcel without the network (the server side is
// backend/foodaid/offline.py). After a scan accepted offline, the volunteer sees what
// the household's parcel holds (its template, by household size) and gives it; the
// parcel is queued after its scan (offline_counter.js) and recorded by the server at
// its moment, from the stock as the ledger holds it.
(() => {
  const offline = window.ComptoirOffline;
  const wordsElement = document.getElementById("offline-parcel-words");
  if (!offline || !wordsElement) return;
  const words = JSON.parse(wordsElement.textContent);
  const { element, fill } = offline;
  offline.kindWords.parcel = { one: words.waiting_one, other: words.waiting_other };

  offline.onAccepted.push(async (section, verdict) => {
    const list = await offline.list();
    const parcels = list && list.extras && list.extras.parcel;
    if (!parcels || !verdict.passId) return;
    const template = parcels.templates.find(
      (t) => verdict.size >= t.min && (t.max === null || verdict.size <= t.max),
    );
    const place = section.querySelector(".verdict-offline");
    if (!template) {
      place.before(element("p", "verdict-note", fill(words.no_template, { persons: verdict.size })));
      return;
    }
    const box = element("div", "offline-parcel");
    box.dataset.offlineParcel = "";
    box.append(element("p", "offline-parcel-title", fill(words.parcel_for, { band: template.band })));
    const number = new Intl.NumberFormat(document.documentElement.lang || "fr");
    const contents = element("ul", "verdict-allowances");
    template.lines.forEach((line) => {
      const quantity = number.format(Number(line.quantity));
      // « 2 × Riz 1 kg », « 1,5 kg · Pommes »
      contents.append(element("li", "", line.unit ? `${quantity} ${line.unit} · ${line.name}` : `${quantity} × ${line.name}`));
    });
    const give = element("button", "verdict-action-button", words.give);
    give.type = "button";
    give.dataset.offlineParcelGive = "";
    let given = false;
    give.addEventListener("click", async () => {
      if (given) return; // one parcel per visit, whatever the taps
      given = true;
      await offline.queueHandout("parcel", parcels.sync_url, verdict.visitKey, {});
      const done = element("section", "verdict verdict-accepted");
      done.dataset.offlineParcelGiven = "";
      done.setAttribute("role", "status");
      done.append(element("p", "verdict-title", words.given));
      done.append(element("p", "verdict-person", `${verdict.firstName} · ${template.band}`));
      done.append(element("p", "verdict-offline", words.given_message));
      section.replaceWith(done);
      window.ComptoirCounter.scanDone();
    });
    // The button first: on a small screen it stays in view above a long list.
    box.append(give, contents);
    place.before(box);
  });
})();
