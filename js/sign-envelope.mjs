#!/usr/bin/env node
// echo '{"sender":..,"seq":..,"ts":..,"type":..,"body":{..},"id":..}' | node js/sign-envelope.mjs SEED_B64
//   prints the signed envelope (wire JSON)
// echo '<envelope>' | node js/sign-envelope.mjs --verify PUBLIC_B64
//   prints true/false; exit 0 when the signature verifies
import fs from "node:fs";
import { signEnvelope, verifyEnvelope } from "./lockwarden.mjs";

const input = JSON.parse(fs.readFileSync(0, "utf8"));
if (process.argv[2] === "--verify") {
  const ok = verifyEnvelope(input, process.argv[3]);
  console.log(JSON.stringify(ok));
  process.exit(ok ? 0 : 1);
}
console.log(JSON.stringify(signEnvelope(input, process.argv[2])));
