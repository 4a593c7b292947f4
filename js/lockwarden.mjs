// A second implementation of the Lockwarden contract, written from docs/mqtt.md and docs/police.md only:
// RFC 8785 canonical JSON, envelope signing and verification, the police chain and the export verifier.
// Node's built-in modules only (crypto, fs, path); no npm dependencies. Section numbers refer to the docs.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

// ---- mqtt.md section 4: canonical encoding (RFC 8785) ---------------------------------------------------

export function canonicalize(value) {
  if (value === null || value === true || value === false) return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} is not a JSON number`);
    return JSON.stringify(value); // ECMAScript Number::toString; -0 gives "0"
  }
  // JSON.stringify escapes exactly " \ and controls (\b \t \n \f \r, else \u00xx lower case) and keeps
  // everything else raw; a lone surrogate becomes \udxxx.
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map(canonicalize).join(",") + "]";
  if (typeof value === "object") {
    // Default sort compares UTF-16 code units, as the rule requires.
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalize(value[k])).join(",") + "}";
  }
  throw new Error(`${typeof value} is not a JSON value`);
}

export const canonicalBytes = (value) => Buffer.from(canonicalize(value), "utf8");
export const sha256hex = (data) => crypto.createHash("sha256").update(data).digest("hex");

// Integers (JSON numbers with no fraction and no exponent) beyond +-(2**53 - 1) have no canonical form.
// JSON.parse loses them silently, so look at the text.
export function hasUnsafeInteger(jsonText) {
  const re = /"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  for (const m of jsonText.matchAll(re)) {
    const tok = m[1];
    if (tok && /^-?\d+$/.test(tok) && !Number.isSafeInteger(Number(tok))) return true;
  }
  return false;
}

// ---- mqtt.md section 8: keys ----------------------------------------------------------------------------

const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");

export function publicKeyFromB64(b64) {
  const raw = Buffer.from(b64.trim(), "base64");
  if (raw.length !== 32) throw new Error("an Ed25519 public key is 32 bytes");
  return crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: "der", type: "spki" });
}

export function privateKeyFromB64(b64) {
  const seed = Buffer.from(b64.trim(), "base64");
  if (seed.length !== 32) throw new Error("an Ed25519 private key (seed) is 32 bytes");
  return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
}

export function rawPublicB64(keyObject) {
  const der = keyObject.export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32).toString("base64");
}

export const fingerprintOf = (publicB64) => sha256hex(Buffer.from(publicB64.trim(), "base64"));

// ---- mqtt.md sections 2 and 3: the envelope and its signed bytes -----------------------------------------

export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const FIELDS = ["v", "id", "sender", "seq", "ts", "type", "body", "sig"];
const EXCLUDED = { "media.chunk": "data" }; // body field left out of the signed bytes (bound by body.sha256)

export function signedBytes(env) {
  let body = env.body;
  const skip = EXCLUDED[env.type];
  if (skip !== undefined && body && typeof body === "object") {
    body = Object.fromEntries(Object.entries(body).filter(([k]) => k !== skip));
  }
  return canonicalBytes({ v: env.v, id: env.id, sender: env.sender, seq: env.seq, ts: env.ts, type: env.type, body });
}

export function envelopeProblem(env) {
  if (!env || typeof env !== "object" || Array.isArray(env)) return "not an object";
  for (const k of Object.keys(env)) if (!FIELDS.includes(k)) return `unknown field ${k}`;
  for (const k of FIELDS) if (!(k in env)) return `missing field ${k}`;
  if (env.v !== 1) return "v is not 1";
  if (typeof env.id !== "string" || !ULID.test(env.id)) return "id is not an upper-case ULID";
  if (typeof env.sender !== "string") return "sender is not a string";
  if (!Number.isSafeInteger(env.seq) || env.seq < 0) return "seq is not a non-negative integer";
  if (!Number.isSafeInteger(env.ts)) return "ts is not an integer";
  if (typeof env.type !== "string") return "type is not a string";
  if (!env.body || typeof env.body !== "object" || Array.isArray(env.body)) return "body is not an object";
  if (typeof env.sig !== "string") return "sig is not a string";
  return null;
}

// ---- mqtt.md section 7: a media chunk frame ("LWC1" LF header LF bytes) -----------------------------------

export const FRAME_MAGIC = Buffer.from("LWC1\n", "ascii");
export const FRAME_HEADER_BYTES = 4096;
const FRAME_BODY = ["file_id", "index", "size", "sha256"];

// Returns { env, data } or { problem, reason } (reason: the hub's refusal code). Checks what the frame itself
// can show: the header's shape, the byte count, the signature (with publicKey) and the chunk's SHA-256.
export function parseFrame(frame, publicKey) {
  const refuse = (reason, problem) => ({ reason, problem });
  if (!frame.subarray(0, FRAME_MAGIC.length).equals(FRAME_MAGIC)) return refuse("malformed", "no LWC1 magic");
  const end = frame.indexOf(0x0a, FRAME_MAGIC.length);
  if (end < 0 || end - FRAME_MAGIC.length > FRAME_HEADER_BYTES) return refuse("malformed", "no header end in 4096 bytes");
  let env;
  try { env = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(frame.subarray(FRAME_MAGIC.length, end))); }
  catch { return refuse("malformed", "header is not UTF-8 JSON"); }
  const problem = envelopeProblem(env);
  if (problem !== null) return refuse("malformed", problem);
  if (env.type !== "media.chunk") return refuse("malformed", "header is not a media.chunk");
  const keys = Object.keys(env.body);
  if (keys.length !== FRAME_BODY.length || !FRAME_BODY.every((k) => keys.includes(k))
      || !Number.isSafeInteger(env.body.index) || !Number.isSafeInteger(env.body.size)) {
    return refuse("bad_schema", "header body is not exactly file_id, index, size, sha256");
  }
  const data = frame.subarray(end + 1);
  if (data.length !== env.body.size) return refuse("bad_chunk", `${data.length} bytes, header says ${env.body.size}`);
  if (publicKey !== undefined && !verifyEnvelope(env, publicKey)) return refuse("bad_signature", "signature");
  if (sha256hex(data) !== env.body.sha256) return refuse("bad_chunk", "SHA-256 of the bytes is not body.sha256");
  return { env, data };
}

export function verifyEnvelope(env, publicKey) {
  if (envelopeProblem(env) !== null) return false;
  const key = typeof publicKey === "string" ? publicKeyFromB64(publicKey) : publicKey;
  const sig = Buffer.from(env.sig, "base64");
  if (sig.length !== 64 || sig.toString("base64") !== env.sig) return false;
  return crypto.verify(null, signedBytes(env), key, sig);
}

export function signEnvelope({ sender, seq, ts, type, body, id }, privateKey) {
  const key = typeof privateKey === "string" ? privateKeyFromB64(privateKey) : privateKey;
  const env = { v: 1, id: id ?? newUlid(ts), sender, seq, ts, type, body };
  env.sig = crypto.sign(null, signedBytes(env), key).toString("base64");
  return env;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export function newUlid(ms) {
  let t = BigInt(ms);
  let out = "";
  for (let i = 0; i < 10; i++) { out = CROCKFORD[Number(t & 31n)] + out; t >>= 5n; }
  for (const b of crypto.randomBytes(16)) out += CROCKFORD[b & 31];
  return out;
}

// ---- police.md: entry hashes and the export verifier ----------------------------------------------------

export const GENESIS = "0".repeat(64);

export function entryHash(seq, prev, env) {
  return sha256hex(Buffer.concat([Buffer.from(`${seq}\n${prev}\n`, "ascii"), canonicalBytes(env)]));
}

const utcDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;

function readLines(file) {
  const text = fs.readFileSync(file);
  const lines = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === 0x0a) { lines.push({ bytes: text.subarray(start, i + 1), end: i + 1 }); start = i + 1; }
  }
  if (start < text.length) lines.push({ bytes: text.subarray(start), end: text.length });
  return lines;
}

function countMedia(root) {
  const dir = path.join(root, "media");
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const sub of fs.readdirSync(dir)) {
    if (!/^[0-9a-f]{2}$/.test(sub)) continue;
    for (const f of fs.readdirSync(path.join(dir, sub))) if (fs.statSync(path.join(dir, sub, f)).isFile()) n++;
  }
  return n;
}

// police.md, "The access log": access.jsonl, hash-chained like the records (same rule, over `entry`).
export function accessHash(seq, prev, entry) {
  return sha256hex(Buffer.concat([Buffer.from(`${seq}\n${prev}\n`, "ascii"), canonicalBytes(entry)]));
}

export function checkAccessLog(root) {
  const file = path.join(root, "access.jsonl");
  const out = { entries: 0, head: GENESIS, problems: [] };
  if (!fs.existsSync(file)) return out;
  let prev = GENESIS;
  let expected = 1;
  readLines(file).forEach(({ bytes }, i) => {
    const line = i + 1;
    const where = (detail) => `access.jsonl line ${line}: ${detail}`;
    let doc = null;
    try { doc = JSON.parse(bytes.toString("utf8")); } catch { doc = null; }
    const keys = doc && typeof doc === "object" && !Array.isArray(doc) ? Object.keys(doc).sort().join(",") : "";
    if (keys !== "entry,hash,prev,seq" || !doc.entry || typeof doc.entry !== "object" || Array.isArray(doc.entry)
        || !Number.isSafeInteger(doc.seq) || typeof doc.hash !== "string" || typeof doc.prev !== "string") {
      out.problems.push({ code: "access_unreadable", message: where("not a valid access line"), file: "access.jsonl", line });
      return;
    }
    out.entries++;
    if (doc.seq !== expected) out.problems.push({ code: "access_order", message: where(`seq ${doc.seq} where ${expected} was due`), file: "access.jsonl", line });
    if (doc.prev !== prev) out.problems.push({ code: "access_chain", message: where(`seq ${doc.seq}: prev is not the hash of the line before`), file: "access.jsonl", line });
    if (accessHash(doc.seq, doc.prev, doc.entry) !== doc.hash) out.problems.push({ code: "access_edited", message: where(`seq ${doc.seq}: its content no longer matches its hash`), file: "access.jsonl", line });
    prev = doc.hash;
    expected = doc.seq + 1;
  });
  out.head = prev;
  return out;
}

// opts: { hubKey: base64 | undefined, hubFingerprint: hex | undefined, acked: envelope | undefined,
//         policeKey: base64 public key | undefined }
export function verifyExport(root, opts = {}) {
  const problems = [];
  const warnings = [];
  const add = (code, message, extra = {}) => problems.push({ code, message, ...extra });
  const readJson = (name) => {
    const p = path.join(root, name);
    if (!fs.existsSync(p)) return undefined;
    try { return JSON.parse(fs.readFileSync(p, "utf8")); } catch { return null; }
  };
  const manifest = readJson("manifest.json");
  // 1. the pinned key
  let hubKeyB64 = opts.hubKey;
  if (!hubKeyB64 && opts.hubFingerprint) {
    const named = manifest && typeof manifest.hub_key === "string" ? manifest.hub_key : null;
    const want = opts.hubFingerprint.toLowerCase().replace(/^sha256:/, "").replace(/[:\s]/g, "");
    if (named && fingerprintOf(named) === want) hubKeyB64 = named;
    else return { verified: false, ok: false, problems: [{ code: "hub_key_mismatch", message: "the manifest's hub key does not have the pinned fingerprint" }], warnings };
  }
  if (!hubKeyB64) return { verified: false, ok: false, problems: [{ code: "no_key", message: "no pinned hub key" }], warnings };
  const hubKey = publicKeyFromB64(hubKeyB64);
  if (manifest === undefined || manifest === null) add("manifest", "manifest.json is missing or not JSON");

  // 3 (first half). checkpoints
  const cps = [];
  const cpPath = path.join(root, "checkpoints.jsonl");
  if (fs.existsSync(cpPath)) {
    readLines(cpPath).forEach(({ bytes }, i) => {
      const text = bytes.toString("utf8").trim();
      if (!text) return;
      let env;
      try { env = JSON.parse(text); } catch { env = null; }
      const body = env && env.body;
      if (!env || env.type !== "police.checkpoint" || !verifyEnvelope(env, hubKey) || !body ||
          !Number.isSafeInteger(body.seq) || typeof body.head !== "string" || Object.keys(body).length !== 2) {
        add("checkpoint_signature", `checkpoints.jsonl line ${i + 1}: not a checkpoint signed by the pinned hub key`, { line: i + 1 });
        return;
      }
      const last = cps[cps.length - 1];
      if (last && body.seq < last.seq) { add("checkpoint_order", `checkpoints.jsonl line ${i + 1}: seq ${body.seq} after ${last.seq}`, { line: i + 1 }); return; }
      if (last && body.seq === last.seq && body.head !== last.head) { add("checkpoint_fork", `checkpoints.jsonl line ${i + 1}: two heads for seq ${body.seq}`, { line: i + 1 }); return; }
      cps.push({ seq: body.seq, head: body.head, line: i + 1, env });
    });
  }
  const cpSeq = cps.length ? cps[cps.length - 1].seq : 0;

  // 2. the entries
  const recDir = path.join(root, "records");
  const files = fs.existsSync(recDir) ? fs.readdirSync(recDir).filter((f) => f.endsWith(".jsonl")).sort() : [];
  const hashes = new Map(); // seq -> hash
  const spans = new Map(); // file -> {first, last, entries, lastHash}
  const mediaRefs = new Map();
  // Order faults as police.md names them: duplicate, reordered (fits neither neighbour), chain_broken, missing.
  let lastSeq = 0, lastHash = GENESIS, maxSeen = 0, prevLineSeq = 0, pending = null;
  const deferred = [];
  let prevDay = "", entries = 0, state = readJson("chain.json"), stateEnd = null;
  for (const f of files) {
    const name = `records/${f}`;
    if (!DAY_FILE.test(f)) add("file_name", `${name} is not named for a UTC day`, { file: name });
    const fday = f.slice(0, 10);
    readLines(path.join(recDir, f)).forEach(({ bytes, end }, i) => {
      const line = i + 1;
      let e;
      try { e = JSON.parse(bytes.toString("utf8")); } catch { e = null; }
      if (!e || !Number.isSafeInteger(e.seq) || typeof e.hash !== "string" || typeof e.prev !== "string" || !e.env) {
        add("unreadable", `${name} line ${line}: not a valid entry`, { file: name, line });
        return;
      }
      entries++;
      const { seq } = e;
      if (entryHash(seq, e.prev, e.env) !== e.hash) add("edited", `${name} line ${line}: entry seq ${seq} does not match its hash`, { file: name, line, seq });
      if (!e.env.body || e.env.body.seq !== seq) add("edited", `${name} line ${line}: the envelope's body.seq is not ${seq}`, { file: name, line, seq });
      const day = Number.isSafeInteger(e.env.ts) ? utcDay(e.env.ts) : "";
      const want = day > prevDay ? day : prevDay;
      if (fday !== want) add("wrong_day", `${name} line ${line}: seq ${seq} belongs in records/${want}.jsonl`, { file: name, line, seq });
      prevDay = fday;
      if (pending && seq !== pending.seq + 1) add("reordered", `${pending.file} line ${pending.line}: seq ${pending.seq} is out of order`, pending);
      pending = seq !== prevLineSeq + 1 ? { file: name, line, seq } : null;
      prevLineSeq = seq;
      if (hashes.has(seq)) { add("duplicate", `${name} line ${line}: seq ${seq} appears a second time`, { file: name, line, seq }); return; }
      if (seq === lastSeq + 1) { if (e.prev !== lastHash) add("chain_broken", `${name} line ${line}: seq ${seq} does not link to seq ${seq - 1}`, { file: name, line, seq }); }
      else deferred.push({ seq, prev: e.prev, file: name, line });
      lastSeq = seq; lastHash = e.hash; maxSeen = Math.max(maxSeen, seq);
      if (seq > cpSeq && !verifyEnvelope(e.env, hubKey)) add("signature", `${name} line ${line}: seq ${seq} is not signed by the hub key`, { file: name, line, seq });
      for (const m of (e.env.body && e.env.body.media) || []) if (!mediaRefs.has(m.sha256)) mediaRefs.set(m.sha256, seq);
      {
        hashes.set(seq, e.hash);
        const s = spans.get(name) ?? { first: seq, last: seq, entries: 0, lastHash: e.hash };
        s.entries++; if (seq >= s.last) { s.last = seq; s.lastHash = e.hash; } s.first = Math.min(s.first, seq);
        spans.set(name, s);
      }
      if (state && seq === state.seq) stateEnd = { file: name, line, offset: end };
    });
  }
  if (pending) add("reordered", `${pending.file} line ${pending.line}: seq ${pending.seq} is out of order`, pending);
  for (const d of deferred) {
    const expected = d.seq === 1 ? GENESIS : hashes.get(d.seq - 1) ?? d.prev;
    if (d.prev !== expected) add("chain_broken", `${d.file} line ${d.line}: seq ${d.seq} does not link to seq ${d.seq - 1}`, d);
  }
  for (let seq = 1; seq <= maxSeen; seq++) {
    if (hashes.has(seq)) continue;
    const start = seq;
    while (seq <= maxSeen && !hashes.has(seq)) seq++;
    add("missing", `entries seq ${start}..${seq - 1} are missing`, { seq: start });
  }
  const head = maxSeen;
  const hashAt = (seq) => hashes.get(seq);

  // 3 (second half)
  if (!cps.length && head > 0) add("no_checkpoint", `${head} entries but no valid hub checkpoint`);
  for (const cp of cps) {
    if (cp.seq <= head && cp.seq > 0 && hashAt(cp.seq) !== undefined && hashAt(cp.seq) !== cp.head) add("checkpoint_mismatch", `seq ${cp.seq} is not the hash the hub signed (checkpoints.jsonl line ${cp.line})`, { seq: cp.seq });
  }
  if (cpSeq > head) add("truncated", `a hub checkpoint covers seq ${cpSeq}, the export ends at ${head}`);
  const unconfirmed = cps.length && head > cpSeq ? head - cpSeq : 0;
  if (unconfirmed) warnings.push(`${unconfirmed} entries after the last checkpoint`);

  // 4. media
  let mediaChecked = 0;
  for (const [sha, seq] of mediaRefs) {
    const p = path.join(root, "media", sha.slice(0, 2), sha);
    if (!fs.existsSync(p)) { add("media_missing", `media ${sha} of seq ${seq} is missing`, { seq }); continue; }
    mediaChecked++;
    if (sha256hex(fs.readFileSync(p)) !== sha) add("media_altered", `media ${sha} of seq ${seq} was altered`, { seq });
  }

  // 5. manifest
  if (manifest) {
    const bad = (message) => add("manifest", message);
    if (manifest.format !== 1) bad(`format ${manifest.format} is not 1`);
    if (manifest.hub_key && manifest.hub_key !== hubKeyB64.trim()) bad("the manifest names another hub key");
    const mseq = manifest.head && Number.isSafeInteger(manifest.head.seq) ? manifest.head.seq : -1;
    if (mseq < 0) bad("head has no seq");
    else if (mseq > head) add("truncated", `the manifest's head is seq ${mseq}, the export ends at ${head}`);
    else if (mseq > 0 && hashAt(mseq) !== undefined && hashAt(mseq) !== manifest.head.hash) bad(`head seq ${mseq} has another hash`);
    const current = mseq === head;
    const listed = new Map((manifest.files || []).map((f) => [f.name, f]));
    for (const [fname, f] of listed) {
      const s = spans.get(fname);
      if (!s) { add("file_missing", `${fname} listed in the manifest is missing`, { file: fname }); continue; }
      const wrong = [];
      if (f.first_seq !== s.first) wrong.push("first_seq");
      if (current && (f.last_seq !== s.last || f.entries !== s.entries)) wrong.push("last_seq/entries");
      if (hashAt(f.last_seq) !== f.last_hash) wrong.push("last_hash");
      if (wrong.length) bad(`${fname}: ${wrong.join(", ")} differ`);
    }
    for (const [fname, s] of spans) if (!listed.has(fname) && s.first <= mseq) bad(`${fname} is not listed`);
    const media = countMedia(root);
    if (!Number.isSafeInteger(manifest.media_files) || manifest.media_files > media || (current && manifest.media_files !== media)) bad(`media_files ${manifest.media_files}, the export holds ${media}`);
    const top = cps[cps.length - 1];
    if (manifest.checkpoint && (!top || canonicalize(manifest.checkpoint) !== canonicalize(top.env))) bad("its checkpoint is not the latest of checkpoints.jsonl");
    if (!manifest.checkpoint && top) bad("no checkpoint though checkpoints.jsonl has one");
  }

  // 6. chain.json
  if (state === undefined) { if (head) add("chain_state", "chain.json is missing"); }
  else if (state === null) add("chain_state", "chain.json is not JSON");
  else if (state.seq > head) add("truncated", `chain.json names seq ${state.seq}, the export ends at ${head}`);
  else if (state.seq > 0) {
    if (hashAt(state.seq) !== state.hash) add("chain_state", `chain.json: seq ${state.seq} has another hash`);
    if (!stateEnd || stateEnd.file !== state.file || stateEnd.line !== state.line || stateEnd.offset !== state.offset) add("chain_state", `chain.json does not place seq ${state.seq} where it is`);
  }

  // 7. the police's acknowledgement record
  let ackedSeq = null;
  if (opts.acked) {
    const a = opts.acked;
    if (!opts.policeKey || a.type !== "police.ack" || !verifyEnvelope(a, opts.policeKey)) add("acked", "the acknowledgement record is not a police.ack signed by the police key");
    else {
      ackedSeq = a.body.upto_seq;
      if (a.body.upto_seq > head) add("rolled_back", `the police acknowledged up to seq ${a.body.upto_seq}, the export ends at ${head}`);
      else if (a.body.upto_seq > 0 && hashAt(a.body.upto_seq) !== a.body.head) add("rolled_back", `seq ${a.body.upto_seq} is not the entry the police acknowledged`);
      if ((a.body.checkpoint_seq || 0) > cpSeq) add("rolled_back", `the police stored checkpoint ${a.body.checkpoint_seq}, the export's latest is ${cpSeq}`);
    }
  }
  // the access log (who queried or opened what)
  const access = checkAccessLog(root);
  problems.push(...access.problems);
  return { verified: true, ok: problems.length === 0, entries, headSeq: head, checkpoints: cps.length,
           checkpointSeq: cps.length ? cpSeq : null, unconfirmed, mediaChecked, ackedSeq,
           accessEntries: access.entries, accessHead: access.head, problems, warnings };
}

// ---- mqtt.md section 7: sealed blobs ("LWS1") -------------------------------------------------------------

const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");

export function openSealed(blob, recipientPrivateB64, aad) {
  if (blob.length < 4 + 32 + 12 + 16 || blob.subarray(0, 4).toString("latin1") !== "LWS1") throw new Error("not a sealed blob");
  const ephPub = blob.subarray(4, 36);
  const nonce = blob.subarray(36, 48);
  const priv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_X25519, Buffer.from(recipientPrivateB64.trim(), "base64")]), format: "der", type: "pkcs8" });
  const recipientPub = crypto.createPublicKey(priv).export({ format: "der", type: "spki" }).subarray(-32);
  const shared = crypto.diffieHellman({ privateKey: priv, publicKey: crypto.createPublicKey({ key: Buffer.concat([SPKI_X25519, ephPub]), format: "der", type: "spki" }) });
  const key = Buffer.from(crypto.hkdfSync("sha256", shared, Buffer.concat([ephPub, recipientPub]), Buffer.from("lockwarden sealed blob v1"), 32));
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([decipher.update(blob.subarray(48, blob.length - 16)), decipher.final()]);
}
