// The counter: a hand scanner, a typed code and the camera all feed one form;
// htmx posts it and swaps the answer in. The same script reads cards (QR codes) on the
// scan page and products (EAN barcodes, `data-formats="barcodes"`) in the basket.
// No inline scripts: the CSP forbids them.
(() => {
  const form = document.getElementById("scan-form");
  if (!form) return;
  const input = form.querySelector("input.scan-input");
  const keyField = form.querySelector("[name=idempotency_key]");
  const barcodes = form.dataset.formats === "barcodes";
  // What the camera may read: cards are QR codes; products carry EAN-13, EAN-8 or UPC-A.
  const NATIVE_FORMATS = barcodes ? ["ean_13", "ean_8", "upc_a"] : ["qr_code"];
  const ZXING_FORMATS = barcodes ? ["EAN13", "EAN8", "UPCA"] : ["QRCode"];
  // What the camera keeps seeing is one presentation. A card read twice by a scanner is
  // sent once; a product scanned twice is two items (data-repeat-ms="0").
  const SAME_CARD_MS = 4000;
  const REPEAT_MS = form.dataset.repeatMs === undefined ? SAME_CARD_MS : Number(form.dataset.repeatMs);
  let lastSent = { text: "", at: 0 };
  // What the camera saw last: a card that stays in view is one presentation, sent once.
  let lastSeen = { text: "", at: 0 };

  function freshKey() {
    // crypto.randomUUID needs a secure context; getRandomValues works on a LAN too.
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function ready() {
    input.value = "";
    if (!document.activeElement || !document.activeElement.matches("[data-keep-focus]")) {
      // A screen drawn over the verdict (the basket offline) may have its own scan field.
      (document.querySelector("[data-scan-field]") || input).focus({ preventScroll: true });
    }
  }

  // Before htmx sends the form (capture phase runs first): drop empty and repeated cards.
  document.addEventListener(
    "submit",
    (event) => {
      if (event.target !== form) return;
      const text = input.value.trim().toUpperCase();
      const now = Date.now();
      // A receipt's line may name its product already (one just created): no scan needed.
      const chosen = form.querySelector("input[name=product]")?.value;
      if ((!text && !chosen) || (text && text === lastSent.text && now - lastSent.at < REPEAT_MS)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        ready();
        return;
      }
      lastSent = { text, at: now };
    },
    true,
  );

  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt !== form) return;
    if (!event.detail.xhr || !event.detail.xhr.status) {
      // No answer (network cut, time-out; htmx then leaves `failed` unset): keep the key,
      // so sending again replays the same scan. (The counter page then decides offline:
      // offline_counter.js, which reads what was sent.)
      lastSent = { text: "", at: 0 };
      ready();
      return;
    }
    if (keyField) keyField.value = freshKey();
    // At a social restaurant, the next household starts again from one meal.
    const meals = form.querySelector("[name=units]");
    if (meals && !event.detail.failed) meals.value = "1";
    // Outside food: the amount and reference were for this use only.
    if (!event.detail.failed) {
      form.querySelectorAll("[name=amount], [name=reference]").forEach((field) => { field.value = ""; });
    }
    ready();
  });

  // The meals stepper (a social restaurant): big − and + buttons, from 1 to 20.
  form.querySelectorAll("[data-meals-step]").forEach((button) => {
    button.addEventListener("click", () => {
      const meals = form.querySelector("[name=units]");
      const next = (Number(meals.value) || 1) + Number(button.dataset.mealsStep);
      meals.value = String(Math.min(20, Math.max(1, next)));
      ready();
    });
  });

  // A scanner is a keyboard: keep the field focused unless the volunteer is typing elsewhere.
  document.addEventListener("click", (event) => {
    if (!event.target.closest("input, textarea, select, summary, details, a, button")) ready();
  });

  document.querySelector("[data-type-code]")?.addEventListener("click", () => {
    // The field hides the on-screen keyboard (a scanner needs none); show it to type a code.
    input.setAttribute("inputmode", "text");
    input.focus();
  });
  input.addEventListener("blur", () => input.setAttribute("inputmode", "none"));

  // --- the verdict: sound, vibration, then back to neutral -----------------------------
  let audio;
  function beep(accepted) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tones = accepted ? [[880, 0, 0.15]] : [[220, 0, 0.2], [220, 0.28, 0.2]];
      for (const [frequency, start, length] of tones) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.frequency.value = frequency;
        oscillator.type = accepted ? "sine" : "square";
        gain.gain.value = 0.2;
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + start);
        oscillator.stop(audio.currentTime + start + length);
      }
    } catch (error) {
      // No sound on this device: the colour and the words remain.
    }
  }

  let fadeTimer;
  document.body.addEventListener("htmx:afterSwap", verdictShown);
  function verdictShown() {
    const verdict = document.querySelector("[data-verdict]");
    if (!verdict) return;
    const accepted = verdict.dataset.verdict === "accepted";
    beep(accepted);
    if (navigator.vibrate) navigator.vibrate(accepted ? 120 : [250, 120, 250]);
    if (barcodes) {
      // A tapped tile or a quantity button took the focus: give it back to the scanner.
      if (!document.activeElement?.matches("[data-keep-focus]")) input.focus({ preventScroll: true });
      return;
    }
    clearTimeout(fadeTimer);
    fadeTimer = setTimeout(() => verdict.classList.add("verdict-faded"), 12000);
  }

  // For the offline counter (offline_counter.js), which shows its own verdicts.
  window.ComptoirCounter = {
    form,
    input,
    verdictShown,
    freshKey,
    scanDone() {
      if (keyField) keyField.value = freshKey();
      const meals = form.querySelector("[name=units]");
      if (meals) meals.value = "1";
      ready();
    },
  };

  // --- the camera -------------------------------------------------------------------------
  const toggle = document.querySelector("[data-camera-toggle]");
  const box = document.querySelector("[data-camera]");
  const video = document.querySelector("[data-camera-video]");
  const cameraError = document.querySelector("[data-camera-error]");
  let stream = null;
  let detector = null;
  let timer = null;
  const canvas = document.createElement("canvas");
  const context2d = canvas.getContext("2d", { willReadFrequently: true });

  async function makeDetector() {
    // Chrome on Android has a native reader; elsewhere (iPad) zxing-wasm, served by us.
    if ("BarcodeDetector" in window) {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (NATIVE_FORMATS.every((format) => formats.includes(format))) {
        const native = new window.BarcodeDetector({ formats: NATIVE_FORMATS });
        return async (source) => (await native.detect(source))[0]?.rawValue;
      }
    }
    const wasm = form.dataset.wasm;
    window.ZXingWASM.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasm : prefix + path) },
      fireImmediately: true,
    });
    return async () => {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context2d.drawImage(video, 0, 0);
      const image = context2d.getImageData(0, 0, canvas.width, canvas.height);
      const results = await window.ZXingWASM.readBarcodes(image, {
        formats: ZXING_FORMATS,
        tryHarder: true,
        maxNumberOfSymbols: 1,
      });
      return results[0]?.text;
    };
  }

  async function scanFrame() {
    if (!stream) return;
    try {
      if (video.readyState >= 2 && video.videoWidth) {
        const text = await detector(video);
        const now = Date.now();
        if (text) {
          const stillInView = text === lastSeen.text && now - lastSeen.at < SAME_CARD_MS;
          lastSeen = { text, at: now };
          if (!stillInView) {
            input.value = text;
            form.requestSubmit();
          }
        }
      }
    } catch (error) {
      console.warn("QR decoding failed", error);
    }
    timer = setTimeout(scanFrame, 150);
  }

  function showCameraError(message) {
    cameraError.textContent = message;
    cameraError.hidden = false;
  }

  async function startCamera() {
    cameraError.hidden = true;
    if (!navigator.mediaDevices?.getUserMedia) {
      showCameraError(toggle.dataset.errorUnavailable);
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
    } catch (error) {
      showCameraError(toggle.dataset.errorDenied);
      return;
    }
    video.srcObject = stream;
    box.hidden = false;
    toggle.setAttribute("aria-pressed", "true");
    await video.play();
    detector = detector || (await makeDetector());
    scanFrame();
  }

  function stopCamera() {
    clearTimeout(timer);
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    box.hidden = true;
    toggle.setAttribute("aria-pressed", "false");
  }

  toggle?.addEventListener("click", () => (stream ? stopCamera() : startCamera()));
  // A page opened again from the tablet's offline copy carries an old key: never reuse it.
  if (keyField) keyField.value = freshKey();
  // Focus only: a scanner may already have typed into the field while the page loaded.
  input.focus({ preventScroll: true });
})();
