# cif-hub production image: the compiled JavaScript under plain `node`, production
# dependencies only. No TypeScript compiler, no ts-node, no embedded PostgreSQL: the image
# needs DATABASE_URL. Configure it through the environment (see .env.example and README's
# Configuration); docker-compose.yml shows a complete stack.
#
#   docker build -t cif-hub .
#   docker run --rm -e DATABASE_URL=... cif-hub node dist/src/cli/migrations.js up  # before the hub
#   docker run -p 4000:4000 -e DATABASE_URL=... -e JWT_JWKS_URL=... -e JWT_ISSUER=... \
#     -e JWT_AUDIENCE=... -e PII_HASH_KEY=... -e PII_ENCRYPTION_KEYS=... cif-hub
#
# The image runs with NODE_ENV=production: tokens are verified against the issuer's keys
# (JWT_JWKS_URL), and JWT_SECRET, a development setting, is refused.

# One base for every stage: the production dependencies installed in `deps` are copied into
# `runtime`, so both must be the same Node and Debian. Node 24 is the current LTS line.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: every dependency, then `tsc` (it emits the decorator metadata type-graphql and
# MikroORM read at run time; esbuild-style transpilers do not) and the console's Vite build.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts are needed to compile: they only prepare the embedded PostgreSQL and SWC.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY seeds ./seeds
COPY migrations ./migrations
# The web console (Vite): its sources, and the README whose examples the explorer shows.
COPY console ./console
COPY README.md ./
RUN npm run build

# --- deps: production dependencies only (no compiler, no test tools, no embedded PostgreSQL).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency needs an install script (package.json's allowScripts only names
# development ones), so none is run.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
COPY package.json ./
# The official image's unprivileged `node` user. It owns only the data folder: outside
# production the hub writes development secrets there when they are not given; the code
# and dependencies stay read-only to it.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

EXPOSE 4000
# Liveness only (`/healthz` answers while the process runs; `/readyz` also checks the
# database). The slim image has no curl: node's fetch asks instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself as PID 1 (not npm): SIGTERM from `docker stop` reaches the hub, which drains
# and exits 0.
CMD ["node", "dist/src/main.js"]
