import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

// What each part of src/ may import (README "Where things are"). The two
// processes share nothing at run time but src/contract: the worker imports
// only itself and the contract; the web tier (app, server, trpc, the top-level
// files) and the worker client never import the worker; the contract imports
// only zod and itself, plus one type-only export of the worker's router.
// Paths are resolved (the ~/ alias and relative ones alike) by the import
// plugin's TypeScript resolver; tooling/boundaries.test.ts proves each rule fires.
const CONTRACT_ONLY = "src/contract holds what both processes may import at run time.";
const boundaries = (zones) => ({ "import/no-restricted-paths": ["error", { zones }] });
const onlySrc = (except, message) => ({ target: "./src/**", from: "./src", except, message });

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".next/**", ".data/**", "dist/**", "test-results/**", "node_modules/**", "src/server/db/generated/**", "next-env.d.ts"],
  },
  {
    files: ["src/worker/**"],
    rules: boundaries([onlySrc(["./worker", "./contract"], `The worker imports only src/worker and src/contract. ${CONTRACT_ONLY}`)]),
  },
  {
    files: ["src/worker-client/**"],
    rules: boundaries([onlySrc(["./worker-client", "./contract"], `The worker client imports only itself and src/contract. ${CONTRACT_ONLY}`)]),
  },
  {
    files: ["src/**"],
    ignores: ["src/worker/**", "src/worker-client/**", "src/contract/**"],
    rules: boundaries([{ target: "./src/**", from: "./src/worker", message: `The web tier never imports the worker. ${CONTRACT_ONLY}` }]),
  },
  {
    files: ["src/contract/**"],
    rules: {
      ...boundaries([onlySrc(["./contract"], "The contract imports only zod and itself.")]),
      "no-restricted-imports": ["error", { patterns: [{ regex: "^(?!zod$|\\.|~/)", message: "The contract imports only zod and itself." }] }],
    },
  },
  {
    // The worker's API as a type: erased from every bundle, so the one import
    // of the worker the contract may make, as `export type` only.
    files: ["src/contract/worker-router.ts"],
    rules: {
      ...boundaries([onlySrc(["./contract", "./worker/router.ts"], "The contract imports only zod and itself, and the worker router's type.")]),
      "no-restricted-syntax": [
        "error",
        { selector: "ImportDeclaration[importKind!='type'], ExportNamedDeclaration[exportKind!='type'], ExportAllDeclaration[exportKind!='type']", message: "Only a type may come from the worker." },
      ],
    },
  },
  {
    // Tests of the contract may use the test runner and tRPC to exercise it.
    files: ["src/contract/**/*.test.ts"],
    rules: { "no-restricted-imports": "off" },
  },
];

export default config;
