/** @type {import("next").NextConfig} */
const config = {
  // A self-contained server (.next/standalone/server.js with only the
  // node_modules it uses): what the container image and `npm start` run.
  output: "standalone",
  // No next/image here: without the optimizer the standalone output can leave
  // out sharp and its native libraries (about 20 MB of the web image).
  images: { unoptimized: true },
  outputFileTracingExcludes: { "*": ["node_modules/sharp/**", "node_modules/@img/**"] },
  // Prisma's generated client and pg are Node-only; keep them out of the bundle.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "pino"],
};

export default config;
