#!/usr/bin/env node
// node js/check-vectors.mjs [docs/vectors]: checks every vector; prints one line per failure, exit 1 if any.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { canonicalize, canonicalBytes, sha256hex, hasUnsafeInteger, signedBytes, verifyEnvelope, signEnvelope,
         privateKeyFromB64, rawPublicB64, fingerprintOf, ULID, entryHash, openSealed,
         accessHash, parseFrame } from "./lockwarden.mjs";

const dir = process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), "..", "docs", "vectors");
const load = (n) => JSON.parse(fs.readFileSync(path.join(dir, n), "utf8"));
const failures = [];
let checked = 0;
const expect = (cond, what) => { checked++; if (!cond) failures.push(what); };

const canon = load("canonical.json");
for (const c of canon.cases) {
  const out = canonicalBytes(JSON.parse(c.input));
  expect(out.toString("utf8") === c.canonical, `canonical: ${c.name}: got ${out.toString("utf8")}`);
  expect(out.toString("hex") === c.canonical_hex && sha256hex(out) === c.sha256, `canonical bytes/hash: ${c.name}`);
}
for (const c of canon.refused) expect(hasUnsafeInteger(c.input), `refused: ${c.name}`);

const envs = load("envelopes.json");
const keys = Object.fromEntries(envs.keys.map((k) => [k.who, k]));
for (const k of envs.keys) {
  expect(rawPublicB64(crypto.createPublicKey(privateKeyFromB64(k.private_seed_b64))) === k.public_b64, `key ${k.who}`);
  expect(fingerprintOf(k.public_b64) === k.public_fingerprint_sha256, `fingerprint ${k.who}`);
}
for (const c of envs.cases) {
  const e = c.envelope;
  const bytes = signedBytes(e);
  expect(bytes.toString("utf8") === c.signed_bytes, `signed bytes: ${c.name}`);
  expect(sha256hex(bytes) === c.signed_bytes_sha256, `signed bytes hash: ${c.name}`);
  expect(verifyEnvelope(e, keys[e.sender].public_b64), `verify: ${c.name}`);
  // Ed25519 is deterministic: signing the same fields with the published seed gives the same signature.
  const again = signEnvelope({ sender: e.sender, seq: e.seq, ts: e.ts, type: e.type, body: e.body, id: e.id },
                             keys[e.sender].private_seed_b64);
  expect(again.sig === c.signature_b64, `sign: ${c.name}`);
  if (e.type === "media.chunk") {
    expect(sha256hex(Buffer.from(e.body.data, "base64")) === e.body.sha256, "media.chunk data matches body.sha256");
  }
}
for (const c of envs.invalid) expect(!verifyEnvelope(c.envelope, keys["cu-test"].public_b64), `invalid accepted: ${c.name}`);

const frames = load("frames.json");
for (const c of frames.cases) {
  const frame = Buffer.from(c.frame_hex, "hex");
  const got = parseFrame(frame, frames.key.public_b64);
  expect(got.env !== undefined, `frame: ${c.name}: ${got.problem}`);
  if (got.env === undefined) continue;
  expect(signedBytes(got.env).toString("utf8") === c.signed_bytes, `frame signed bytes: ${c.name}`);
  expect(got.data.toString("hex") === c.data_hex && sha256hex(got.data) === c.data_sha256, `frame data: ${c.name}`);
  const again = signEnvelope({ sender: got.env.sender, seq: got.env.seq, ts: got.env.ts, type: got.env.type,
                               body: got.env.body, id: got.env.id }, frames.key.private_seed_b64);
  expect(again.sig === c.signature_b64, `frame sign: ${c.name}`);
}
for (const c of frames.invalid) {
  const got = parseFrame(Buffer.from(c.frame_hex, "hex"), frames.key.public_b64);
  expect(got.reason === c.reason, `invalid frame: ${c.name}: got ${got.reason ?? "accepted"}, expected ${c.reason}`);
}

for (const c of load("ids.json").cases) expect(ULID.test(c.id) === c.valid, `id ${c.id}`);

const chain = load("police-chain.json");
let prev = chain.genesis;
for (const e of chain.entries) {
  expect(e.prev === prev, `chain prev ${e.seq}`);
  expect(canonicalize(e.envelope) === e.envelope_canonical, `chain canonical ${e.seq}`);
  expect(entryHash(e.seq, prev, e.envelope) === e.hash, `chain hash ${e.seq}`);
  expect(canonicalize({ env: e.envelope, hash: e.hash, prev: e.prev, seq: e.seq }) + "\n" === e.line, `chain line ${e.seq}`);
  expect(verifyEnvelope(e.envelope, chain.hub_key.public_b64), `chain signature ${e.seq}`);
  prev = e.hash;
}
const cp = chain.checkpoint.envelope;
expect(signedBytes(cp).toString("utf8") === chain.checkpoint.signed_bytes && verifyEnvelope(cp, chain.hub_key.public_b64)
       && cp.body.head === prev, "checkpoint");

const access = load("police-access.json");
let accessPrev = access.genesis;
for (const l of access.lines) {
  expect(l.prev === accessPrev && l.hash_input_prefix === `${l.seq}\n${accessPrev}\n`, `access prev ${l.seq}`);
  expect(canonicalize(l.entry) === l.entry_canonical, `access canonical ${l.seq}`);
  expect(accessHash(l.seq, accessPrev, l.entry) === l.hash, `access hash ${l.seq}`);
  expect(canonicalize({ entry: l.entry, hash: l.hash, prev: l.prev, seq: l.seq }) + "\n" === l.line, `access line ${l.seq}`);
  accessPrev = l.hash;
}

const sealed = load("sealed.json");
for (const c of sealed.cases) {
  const blob = Buffer.from(c.blob_b64, "base64");
  expect(sha256hex(blob) === c.blob_sha256, `sealed blob hash (${c.aad})`);
  let plain = null;
  try { plain = openSealed(blob, sealed.recipient.private_b64, c.aad); } catch (e) { plain = null; }
  expect(plain !== null && plain.toString("base64") === sealed.plaintext_b64, `sealed open (${c.aad})`);
  let wrong = true;
  try { openSealed(blob, sealed.recipient.private_b64, c.aad + "x"); } catch { wrong = false; }
  expect(!wrong, `sealed blob opened with the wrong aad (${c.aad})`);
}

for (const f of failures) console.log("FAIL " + f);
console.log(`${checked - failures.length}/${checked} vector checks passed`);
process.exit(failures.length ? 1 : 0);
