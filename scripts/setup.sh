#!/usr/bin/env bash
# Everything a fresh clone needs before it runs: npm dependencies (and the generated Prisma client),
# Redis and PostgreSQL up, the database created and migrated, and for a new installation (no key file yet) its
# keys made by `aitu-gateway keys init`. Safe to run again; quick when all is done.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null 2>&1 || { echo "setup: Node.js 20.19+ is required (https://nodejs.org or your distribution's nodejs)" >&2; exit 3; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  { echo "setup: Node.js 20.19+ is required, found $(node --version)" >&2; exit 3; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
if [ ! -f src/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt src/generated/prisma/client.ts ]; then
  node scripts/prisma-generate.mjs >&2
fi

# the compiled CLI (dist/) that bin/aitu-gateway.js runs; it runs the sources through tsx only while they are newer
echo "setup: npm run build" >&2
npm run build --silent >&2

bash scripts/services.sh

# Debian's packages where npm has none; installed here (as root) or named for the operator to install, never
# downloaded at run time. debian_packages <command that shows them installed> <why> <package>...
debian_packages() {
  local check=$1 why=$2
  shift 2
  if bash -c "$check" >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" != 0 ]; then
    echo "setup: $* missing; install them (sudo apt-get install $*) for $why" >&2
    return 0
  fi
  echo "setup: installing $* from Debian's packages, for $why" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2; }
}
# the WhatsApp bridge (and its test) drive Debian's chromium; npm never downloads a browser (.puppeteerrc.cjs)
debian_packages 'command -v chromium' 'the WhatsApp bridge' chromium
# test/deploy.test.ts validates docker-compose.yml offline with Debian's docker-compose (v1.29): no container engine
debian_packages 'command -v docker-compose' 'the deployment test' docker-compose
# attachments: PDF text and pages (poppler), OCR in Kazakh, Russian and English (tesseract), HEIC (libheif), and
# the test fixtures' rendering (ImageMagick) and office documents' zips (zip)
debian_packages 'command -v pdftotext && command -v pdftoppm && command -v heif-convert && command -v identify &&
  command -v zip && tesseract --list-langs 2>&1 | grep -qx kaz && tesseract --list-langs 2>&1 | grep -qx rus' \
  'reading attachments' \
  poppler-utils tesseract-ocr tesseract-ocr-kaz tesseract-ocr-rus tesseract-ocr-eng libheif-examples imagemagick zip
node bin/aitu-gateway.js db migrate >&2

# keys are never made on first use: a new installation gets them here, once, from the installation's OS user.
# The test suite skips this (AITU_SETUP_KEYS=0): every test file makes a database and keys of its own, and the
# default database may already record another checkout's installation on a shared machine.
[ "${AITU_SETUP_KEYS:-1}" = 0 ] && exit 0
key_file="$(node --import tsx --input-type=module -e 'const { loadConfig } = await import("./src/core/config.ts"); process.stdout.write(loadConfig().keyFile)')"
if [ ! -e "$key_file" ]; then
  echo "setup: aitu-gateway keys init (a new installation: no key file at $key_file)" >&2
  node bin/aitu-gateway.js keys init >&2
fi
