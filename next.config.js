/** @type {import("next").NextConfig} */
const config = {
  // A self-contained server (.next/standalone/server.js with only the
  // node_modules it uses): what the container image and `npm start` run.
  output: "standalone",
  // Prisma's generated client and pg are Node-only; keep them out of the bundle.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "pino"],
};

export default config;
