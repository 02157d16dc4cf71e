# syntax=docker/dockerfile:1
# ent-idp image: build with the dev dependencies, ship only dist/ and the production ones.
#   docker build -t ent-idp .
# Runs with NODE_ENV=production: set ISSUER (https), DATABASE_URL and the secrets listed in
# .env.example, or the server refuses to start (see docker-compose.yml).

FROM node:24-slim AS build
WORKDIR /app
# Toolchain for native addons (argon2, better-sqlite3) when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build \
 && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# Data files read at run time beside their module (tsc copies only code).
COPY --from=build --chown=root:root /app/src/domain/passwords/common-passwords.txt ./dist/src/domain/passwords/
COPY --chown=root:root config ./config
COPY --chown=root:root views ./views
COPY --chown=root:root public ./public
# The code stays root-owned and read-only to the process; only data/ (SQLite file, dev
# mails) is writable. With MySQL nothing is written to disk.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
