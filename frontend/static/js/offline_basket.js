// The shop's basket without the network (the server side is backend/shop/offline.py).
// After a scan accepted offline, the volunteer fills the household's basket from the
// day's list: the catalogue with its prices and what the shelves held, less what this
// tablet sold since; the household's budget left, less what it spent here. The sale is
// queued after its scan (offline_counter.js) and recorded by the server at its moment.
(() => {
  const offline = window.ComptoirOffline;
  const wordsElement = document.getElementById("offline-basket-words");
  if (!offline || !wordsElement) return;
  const words = JSON.parse(wordsElement.textContent);
  const { config, element, fill } = offline;
  offline.kindWords.sale = { one: words.waiting_one, other: words.waiting_other };

  // Money in cents and quantities in thousandths, as whole numbers: no float drift.
  const cents = (text) => Math.round(Number(text) * 100);
  const thousandths = (text) => Math.round(Number(text) * 1000);
  const euros = (value) => new Intl.NumberFormat(document.documentElement.lang || "fr", {
    style: "currency", currency: "EUR",
  }).format(value / 100);
  const quantityText = (value) => String(value / 1000).replace(".", ",");
  const lineCents = (price, quantity) => Math.round((cents(price) * quantity) / 1000);

  async function soldHere(productId) {
    return (await offline.read("served", `sold:${config.service}:${productId}`)) || 0;
  }
  async function spentHere(passId) {
    return (await offline.read("served", `spent:${config.service}:${passId}`)) || 0;
  }

  // The last offline verdict's basket: a product scanned before it is opened opens it
  // with that product, rather than being read as an unknown card (which would lose it).
  let opener = async () => false;
  offline.scanTakers.push((text) => opener(text));

  offline.onAccepted.push((section, verdict) => {
    // Set at once, with the verdict: a hand scanner may send a product right after it.
    const drawn = drawOpenButton(section, verdict);
    opener = async (text) => {
      const code = text.replace(/\s/g, "");
      if (!/^\d{8,14}$/.test(code)) return false;
      const made = await drawn;
      if (!made || !made.button.isConnected) return false;
      if (!made.shop.products.some((product) => product.barcodes.includes(code))) return false;
      openBasket(section, verdict, made.shop, code);
      return true;
    };
  });

  async function drawOpenButton(section, verdict) {
    const list = await offline.list();
    const shop = list && list.extras && list.extras.shop;
    if (!shop || !verdict.passId) return null;
    const button = element("button", "verdict-action-button", words.open);
    button.type = "button";
    button.dataset.offlineBasketOpen = "";
    button.addEventListener("click", () => openBasket(section, verdict, shop));
    const action = element("div", "verdict-action");
    action.append(button);
    section.querySelector(".verdict-offline").before(action);
    return { shop, button };
  }

  async function openBasket(verdictSection, verdict, shop, firstCode) {
    const products = new Map(shop.products.map((product) => [product.id, product]));
    const available = new Map();
    for (const product of shop.products) {
      available.set(product.id, thousandths(product.available) - (await soldHere(product.id)));
    }
    const budget = shop.budgets[String(verdict.passId)];
    const budgetLeft = budget
      ? budget[0] - budget[1] - (await spentHere(verdict.passId)) // [total, used] in cents
      : null;
    const lines = new Map(); // product id -> thousandths, in the order added
    let error = "";

    const section = element("section", "verdict offline-basket");
    section.dataset.offlineBasket = "";
    section.setAttribute("aria-live", "polite");
    verdictSection.replaceWith(section);

    function totals() {
      let due = 0;
      let market = 0;
      for (const [id, quantity] of lines) {
        due += lineCents(products.get(id).price, quantity);
        market += lineCents(products.get(id).market_price, quantity);
      }
      return { due, market };
    }

    function put(id, quantity) {
      // As basket_put online: a refusal leaves the basket as it was.
      const product = products.get(id);
      const before = lines.get(id) || 0;
      if (!product || !Number.isFinite(quantity) || quantity < 0) {
        error = words.quantity_invalid;
      } else if (quantity > before && quantity > available.get(id)) {
        error = fill(words.out_of_stock, {
          product: product.name, available: quantityText(Math.max(0, available.get(id))),
        });
      } else {
        if (quantity === 0) lines.delete(id);
        else lines.set(id, quantity);
        const { due } = totals();
        if (quantity > before && budgetLeft !== null && due > budgetLeft) {
          if (before) lines.set(id, before);
          else lines.delete(id);
          error = fill(words.over_budget, { left: euros(Math.max(0, budgetLeft)), amount: euros(due) });
        } else {
          error = "";
        }
      }
      draw();
    }

    function addByBarcode(code) {
      const wanted = code.replace(/\s/g, "");
      const product = shop.products.find((p) => p.barcodes.includes(wanted));
      if (!product) {
        error = words.unknown_barcode;
        draw();
        return;
      }
      put(product.id, (lines.get(product.id) || 0) + 1000);
    }

    let paying = false;
    async function pay(payment) {
      if (paying) return; // one sale per basket, whatever the taps
      paying = true;
      const { due } = totals();
      const sold = [...lines].map(([id, quantity]) => ({ product: id, quantity: String(quantity / 1000) }));
      await offline.queueHandout("sale", shop.sync_url, verdict.visitKey, {
        lines: sold,
        payment,
        amount_asked: (due / 100).toFixed(2),
      });
      for (const [id, quantity] of lines) {
        await offline.write("served", (await soldHere(id)) + quantity, `sold:${config.service}:${id}`);
      }
      await offline.write("served", (await spentHere(verdict.passId)) + due, `spent:${config.service}:${verdict.passId}`);
      const done = element("section", "verdict verdict-accepted");
      done.dataset.offlineSale = "";
      done.setAttribute("role", "status");
      done.append(element("p", "verdict-title", words.sold));
      done.append(element("p", "verdict-message", fill(words.paid, { amount: euros(payment === "cash" ? cashRounded(due) : due) })));
      done.append(element("p", "verdict-person", verdict.firstName));
      done.append(element("p", "verdict-offline", words.sold_message));
      section.replaceWith(done);
      window.ComptoirCounter.scanDone();
    }

    function cashRounded(due) {
      if (!shop.cash_step) return due;
      const step = cents(shop.cash_step);
      return Math.round(due / step) * step;
    }

    function draw() {
      section.replaceChildren();
      const persons = verdict.size === 1 ? words.person_one : words.person_other;
      const title = element("h2", "basket-title", `${words.basket} · `);
      title.append(element("strong", "", verdict.firstName), ` · ${verdict.size} ${persons}`);
      section.append(title);
      section.append(element("p", "offline-basket-note", words.offline_note));
      if (error) {
        const alert = element("p", "basket-error", error);
        alert.setAttribute("role", "alert");
        alert.dataset.basketError = "";
        section.append(alert);
      }

      const scan = element("form", "scan-row offline-basket-scan");
      const field = element("input", "scan-input");
      Object.assign(field, { type: "text", autocomplete: "off", spellcheck: false, maxLength: 40 });
      field.setAttribute("aria-label", words.barcode);
      field.placeholder = words.barcode;
      field.dataset.keepFocus = "";
      field.dataset.offlineBarcode = "";
      field.dataset.scanField = "";
      const add = element("button", "scan-button", words.add);
      add.type = "submit";
      scan.append(field, add);
      scan.addEventListener("submit", (event) => {
        event.preventDefault();
        event.stopPropagation();
        addByBarcode(field.value);
      });
      section.append(scan);

      const tiles = element("div", "tiles offline-basket-tiles");
      for (const product of shop.products) {
        const left = available.get(product.id) - (lines.get(product.id) || 0);
        const tile = element("button", "tile");
        tile.type = "button";
        tile.dataset.offlineProduct = product.name;
        tile.disabled = left <= 0;
        tile.append(
          element("span", "tile-name", product.name),
          element("span", "tile-price", `${euros(cents(product.price))}${product.unit === "piece" ? "" : ` / ${product.unit_label}`}`),
          element("span", "tile-stock", fill(words.in_stock, { count: quantityText(Math.max(0, left)) })),
        );
        tile.addEventListener("click", () => put(product.id, (lines.get(product.id) || 0) + 1000));
        tiles.append(tile);
      }
      section.append(tiles);

      if (lines.size) {
        const list = element("ul", "basket-lines");
        for (const [id, quantity] of lines) {
          const product = products.get(id);
          const item = element("li", "basket-line");
          item.dataset.line = product.name;
          item.append(element("span", "basket-line-name", product.name));
          const less = element("button", "qty-button", "−");
          less.type = "button";
          less.setAttribute("aria-label", words.one_less);
          less.addEventListener("click", () => put(id, Math.max(0, quantity - 1000)));
          const more = element("button", "qty-button", "+");
          more.type = "button";
          more.setAttribute("aria-label", words.one_more);
          more.addEventListener("click", () => put(id, quantity + 1000));
          const shown = element("span", "qty", quantityText(quantity));
          shown.dataset.qty = "";
          item.append(element("span", "basket-line-qty"));
          item.lastChild.append(less, shown, more);
          item.append(element("span", "basket-line-amount", euros(lineCents(product.price, quantity))));
          if (product.unit !== "piece") {
            const weighed = element("label", "basket-line-weight", fill(words.weighed, { unit: product.unit_label }));
            const weight = element("input");
            Object.assign(weight, { type: "text", inputMode: "decimal", size: 6, value: quantityText(quantity) });
            weight.dataset.keepFocus = "";
            weight.addEventListener("change", () => put(id, thousandths(weight.value.replace(",", "."))));
            weighed.append(weight);
            item.append(weighed);
          }
          list.append(item);
        }
        section.append(list);
      } else {
        section.append(element("p", "empty", words.empty));
      }

      const { due, market } = totals();
      const figures = element("dl", "basket-totals");
      const figure = (label, value, mark) => {
        const row = element("div");
        const dd = element("dd", "", value);
        dd.dataset[mark] = "";
        row.append(element("dt", "", label), dd);
        figures.append(row);
      };
      figure(words.market_total, euros(market), "marketTotal");
      figure(words.aid, euros(market - due), "aid");
      figure(words.due, euros(due), "amountDue");
      if (cashRounded(due) !== due) figure(words.cash, euros(cashRounded(due)), "cashAmount");
      if (budgetLeft !== null) figure(words.budget_left, euros(budgetLeft - due), "budgetLeft");
      section.append(figures);

      if (lines.size) {
        const buttons = element("div", "pay-buttons");
        const payments = due
          ? [["cash", words.pay_cash], ["card", words.pay_card], ["other", words.pay_other]]
          : [["none", words.pay_none]];
        for (const [payment, label] of payments) {
          const button = element("button", "pay-button", label);
          button.type = "button";
          button.dataset.pay = payment;
          button.addEventListener("click", () => pay(payment));
          buttons.append(button);
        }
        section.append(buttons);
      }
      const abandon = element("button", "link-button", words.abandon);
      abandon.type = "button";
      abandon.addEventListener("click", () => offline.ready());
      section.append(element("div", "basket-foot"));
      section.lastChild.append(abandon);
      field.focus({ preventScroll: true });
    }

    draw();
    if (firstCode) addByBarcode(firstCode);
  }
})();
