#!/usr/bin/env node
// node js/verify-export.mjs DIR (--hub-key FILE | --hub-fingerprint HEX) [--acked FILE --police-key FILE]
// Prints the verdict as JSON. Exit 0 verified, 1 problems, 3 not verified (no pinned key), 2 usage.
import crypto from "node:crypto";
import fs from "node:fs";
import { verifyExport, rawPublicB64, privateKeyFromB64 } from "./lockwarden.mjs";

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const dir = args[0];
if (!dir || dir.startsWith("--")) { console.error("usage: verify-export.mjs DIR --hub-key FILE [--acked FILE --police-key FILE]"); process.exit(2); }
const read = (p) => fs.readFileSync(p, "utf8").trim();
const opts = {};
if (opt("--hub-key")) opts.hubKey = read(opt("--hub-key"));
if (opt("--hub-fingerprint")) opts.hubFingerprint = opt("--hub-fingerprint");
if (opt("--acked")) {
  opts.acked = JSON.parse(read(opt("--acked")));
  // The police key file is the private key (a seed) as police-export keeps it, or a public key with --police-pub.
  if (opt("--police-key")) opts.policeKey = rawPublicB64(crypto.createPublicKey(privateKeyFromB64(read(opt("--police-key")))));
  if (opt("--police-pub")) opts.policeKey = read(opt("--police-pub"));
}
const rep = verifyExport(dir, opts);
console.log(JSON.stringify(rep, null, 1));
process.exit(!rep.verified && rep.problems.every((p) => p.code === "no_key") ? 3 : rep.ok ? 0 : 1);
