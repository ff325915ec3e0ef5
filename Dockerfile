# aitu-gateway on one host (docs/deployment.md): the compiled CLI on Node 20 and Debian bookworm, with Debian's
# chromium for the WhatsApp bridge. The build runs the README's commands (npm ci, npm run build); the image runs
# `node bin/aitu-gateway.js <command>`. test/deploy.test.ts checks this file without a container engine.

# --- build: every dependency (typescript too), then tsc into dist/ -----------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# what `npm ci` reads (its postinstall generates the Prisma client from the schema): cached until these change
COPY package.json package-lock.json .puppeteerrc.cjs prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/prisma-generate.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- production dependencies only (no typescript, no @types) ---------------------------------------------------
FROM node:20-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json .puppeteerrc.cjs prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/prisma-generate.mjs ./scripts/
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime ---------------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
# Debian's chromium for whatsapp-web.js (npm never downloads a browser: .puppeteerrc.cjs)
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium ca-certificates fonts-liberation \
  && rm -rf /var/lib/apt/lists/*
# the installation's one OS user (docs/security.md); its data directory (keys, signing key, attachments, audit head,
# WhatsApp sessions) is the volume /data, mode 0700
RUN groupadd --system --gid 10001 aitu \
  && useradd --system --uid 10001 --gid aitu --home-dir /app --shell /usr/sbin/nologin aitu \
  && install -d -o aitu -g aitu -m 0700 /data
WORKDIR /app
ENV AITU_GATEWAY_DATA_DIR=/data
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
USER aitu
VOLUME ["/data"]
# the worker's and the bridges' --metrics-port (Prometheus /metrics, /healthz, /readyz); the console's port (serve)
EXPOSE 9464 8080
ENTRYPOINT ["node", "bin/aitu-gateway.js"]
CMD ["--help"]
