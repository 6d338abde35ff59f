# One image for api and worker (ROLE chooses), and a small nginx image for the console.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
COPY apps/pi-agent/package.json apps/pi-agent/
COPY libs/scheduler/package.json libs/scheduler/
COPY libs/wol/package.json libs/wol/
COPY libs/agent-protocol/package.json libs/agent-protocol/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS api
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER node
EXPOSE 3000
CMD ["node", "apps/api/dist/apps/api/src/main.js"]

FROM nginx:1.27-alpine AS web
COPY --from=build /app/apps/web/dist /usr/share/nginx/html
COPY deploy/nginx.conf /etc/nginx/conf.d/default.conf
COPY deploy/console-headers.conf /etc/nginx/snippets/console-headers.conf
