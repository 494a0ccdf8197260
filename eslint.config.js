import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".next/**", ".data/**", "dist/**", "test-results/**", "node_modules/**", "src/server/db/generated/**", "next-env.d.ts"],
  },
];

export default config;
