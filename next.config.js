/** @type {import("next").NextConfig} */
const config = {
  // Prisma's generated client and pg are Node-only; keep them out of the bundle.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "pino"],
};

export default config;
