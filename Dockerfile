# cif-hub: runs the TypeScript sources directly (`npm start` = ts-node, transpile-only, SWC),
# as in development. Configure it through the environment: see .env.example.
FROM node:22-bookworm-slim

WORKDIR /app
# The official image's unprivileged `node` user owns the app folder: `npm start` writes
# development secrets under DATA_DIR (.data) when they are not given.
RUN chown node:node /app
USER node
# Created here so that a volume mounted on it starts out owned by `node`.
RUN mkdir -p /app/.data

COPY --chown=node:node package.json package-lock.json ./
# `npm install`, not `npm ci`: the committed lockfile was written on a registry that lacks
# some other platforms' optional binaries, and `npm ci` insists on them (see STACK.md).
RUN npm install --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node . .

ENV HOST=0.0.0.0 PORT=4000
EXPOSE 4000

CMD ["npm", "start"]
