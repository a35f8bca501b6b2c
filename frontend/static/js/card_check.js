// A card's or a voucher's token checked on the tablet itself, without the server: the
// same reading as passes/tokens.py `token_read`, with the deployment's public keys.
// Same refusal codes: malformed, other_deployment, unknown_key, bad_signature.
// Tested against the server's own vectors (tests/passes/card_vectors.json).
// Needs WebCrypto's Ed25519 (a secure context: HTTPS, or localhost).
(() => {
  const FORMATS = { CP1: 1, CV1: 2 };
  const HEADER_SIZE = 12;
  const TOKEN_SIZE = HEADER_SIZE + 64;
  const BODY_LENGTH = Math.ceil((TOKEN_SIZE * 8) / 5); // base32 without padding
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const EPOCH = Date.UTC(2000, 0, 1);
  const DAY_MS = 86400000;
  const imported = new Map(); // "id:base64url" -> CryptoKey

  function normalise(text) {
    // As the server: whitespace anywhere and any case are forgiven.
    return String(text).replace(/\s+/gu, "").toUpperCase();
  }

  function base32Decode(body) {
    const bytes = new Uint8Array(Math.floor((body.length * 5) / 8));
    let buffer = 0;
    let bits = 0;
    let index = 0;
    for (const character of body) {
      const value = ALPHABET.indexOf(character);
      if (value < 0) return null;
      buffer = (buffer << 5) | value;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        bytes[index++] = (buffer >> bits) & 0xff;
      }
      buffer &= (1 << bits) - 1;
    }
    // Left-over bits must be zero: another text for the same bytes is not ours.
    return buffer === 0 ? bytes : null;
  }

  function base64urlDecode(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  async function publicKey(keyId, encoded) {
    const cacheKey = `${keyId}:${encoded}`;
    if (!imported.has(cacheKey)) {
      imported.set(
        cacheKey,
        crypto.subtle.importKey("raw", base64urlDecode(encoded), { name: "Ed25519" }, false, ["verify"]),
      );
    }
    return imported.get(cacheKey);
  }

  // keyring: { deployment: 4242, public_keys: { "5": "<base64url>", ... } }
  // Resolves to { claims: { voucher, key_id, id, card_version, valid_until } } or { refusal }.
  async function read(text, keyring) {
    const token = normalise(text);
    const prefix = token.slice(0, 3);
    if (!(prefix in FORMATS) || token.length !== 3 + BODY_LENGTH) return { refusal: "malformed" };
    const raw = base32Decode(token.slice(3));
    if (!raw || raw.length !== TOKEN_SIZE) return { refusal: "malformed" };
    const header = raw.slice(0, HEADER_SIZE);
    const view = new DataView(header.buffer);
    if (view.getUint8(0) !== FORMATS[prefix]) return { refusal: "malformed" };
    if (view.getUint16(1) !== keyring.deployment) return { refusal: "other_deployment" };
    const keyId = view.getUint8(3);
    const encoded = keyring.public_keys[String(keyId)];
    if (!encoded) return { refusal: "unknown_key" };
    const key = await publicKey(keyId, encoded);
    const genuine = await crypto.subtle.verify("Ed25519", key, raw.slice(HEADER_SIZE), header);
    if (!genuine) return { refusal: "bad_signature" };
    return {
      claims: {
        voucher: prefix === "CV1",
        key_id: keyId,
        id: view.getUint32(4),
        card_version: view.getUint16(8),
        valid_until: new Date(EPOCH + view.getUint16(10) * DAY_MS).toISOString().slice(0, 10),
      },
    };
  }

  window.ComptoirCard = { read, normalise };
})();
