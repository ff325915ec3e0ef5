#!/usr/bin/env bash
# The main job end to end on the sample data shipped in samples/: installs what is needed, starts the
# services, checks them, creates a demo agency and imports the sample history into the national store.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
gateway() { node bin/aitu-gateway.js "$@"; }

gateway doctor
gateway agency list | grep -q '^demo\b' || gateway agency add demo --name "Demo agency"
gateway import jsonl samples/canonical/press-office.jsonl --agency demo
gateway import telegram samples/telegram/press-office --agency demo
gateway import whatsapp "samples/whatsapp/WhatsApp Chat with Штаб ЦОН.txt" --agency demo --timezone Asia/Almaty
node --import tsx scripts/demo-summary.ts demo
