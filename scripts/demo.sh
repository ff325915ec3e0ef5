#!/usr/bin/env bash
# The main job end to end on the sample data shipped in samples/: installs what is needed, starts the
# services, checks them, creates a demo agency and imports the sample history into the national store.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
gateway() { node bin/aitu-gateway.js "$@"; }

gateway doctor
if ! gateway agency list | grep -q '^demo\b'; then
  # creating an agency needs an admin's token. On a new installation the demo makes its first admin and keeps the
  # token in a file only this user can read; where admins exist already, set AITU_GATEWAY_TOKEN to one's token.
  token_file="${AITU_GATEWAY_DATA_DIR:-data}/demo-admin.token"
  if [ -z "${AITU_GATEWAY_TOKEN:-}" ] && [ ! -s "$token_file" ]; then
    mkdir -p "$(dirname "$token_file")"
    (umask 077 && gateway user add demo-admin --role admin --json \
      | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(`${JSON.parse(s).token}\n`))' >"$token_file") \
      || { rm -f "$token_file"; echo "demo: could not create the first admin; set AITU_GATEWAY_TOKEN to an admin's token" >&2; exit 1; }
  fi
  if [ -n "${AITU_GATEWAY_TOKEN:-}" ]; then gateway agency add demo --name "Demo agency"
  else gateway agency add demo --name "Demo agency" --token-file "$token_file"; fi
fi
gateway import jsonl samples/canonical/press-office.jsonl --agency demo
gateway import telegram samples/telegram/press-office --agency demo
gateway import whatsapp "samples/whatsapp/WhatsApp Chat with Штаб ЦОН.txt" --agency demo --timezone Asia/Almaty
node --import tsx scripts/demo-summary.ts demo
