import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";
import tseslint from "typescript-eslint";

const typed = ["**/*.{ts,tsx,mts,cts}"];
const tests = ["**/*.test.ts", "**/*.e2e.ts", "tests/**/*.ts"];

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
  {
    ignores: [
      ".next/**",
      ".data/**",
      "dist/**",
      "test-results/**",
      "node_modules/**",
      "src/server/db/generated/**",
      "src/worker/db/generated/**",
      "next-env.d.ts",
    ],
  },
  // Next.js's presets (React, hooks, a11y, Next's own rules, typescript-eslint's recommended), everywhere as before.
  ...nextVitals,
  ...nextTs,

  // Type-aware rules for every TypeScript file: the project service reads tsconfig.json.
  ...[...tseslint.configs.strictTypeChecked, ...tseslint.configs.stylisticTypeChecked].map((block) => ({
    ...block,
    files: typed,
  })),
  {
    files: typed,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // With noUncheckedIndexedAccess, `xs[0]!` after a length check is the idiom, not a smell.
      "@typescript-eslint/no-non-null-assertion": "off",
      // Flags `() => void set(x)` style shorthands; costs braces and catches nothing the type checker misses.
      "@typescript-eslint/no-confusing-void-expression": "off",
      // Async methods that satisfy a Promise-returning interface without awaiting are correct as written.
      "@typescript-eslint/require-await": "off",
      // TypeScript keeps a narrowing across await and callbacks, so flags that another closure sets
      // (stopping, over, fatal) and fixtures assigned in beforeAll read as always-truthy: here most
      // of its reports were such false positives.
      "@typescript-eslint/no-unnecessary-condition": "off",
      // `a || b` on strings is deliberate here: an empty string (an env var set to "") means missing.
      "@typescript-eslint/prefer-nullish-coalescing": ["error", { ignorePrimitives: { string: true } }],
      // Numbers read fine in messages; undefined, null, objects and any do not.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // A union switch that forgets a member is a bug the compiler alone does not report.
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  {
    files: tests,
    rules: {
      // expect(obj.method).toHaveBeenCalled() and similar pass methods around on purpose.
      "@typescript-eslint/unbound-method": "off",
      // Asymmetric matchers (expect.any(String), expect.stringContaining(…)) are typed any.
      "@typescript-eslint/no-unsafe-assignment": "off",
    },
  },
  {
    // Product code reads its configuration in one module per process: src/env.ts (web tier) and
    // src/worker/env.ts (worker). NODE_ENV and NEXT_RUNTIME are build and runtime modes that Next.js
    // inlines at compile time (also in browser code), not deployment settings, so they stay readable.
    files: ["src/**/*.{ts,tsx}"],
    ignores: ["src/env.ts", "src/worker/env.ts", ...tests, "src/**/fixtures/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "MemberExpression[object.name='process'][property.name='env']:not(MemberExpression[property.name=/^(NODE_ENV|NEXT_RUNTIME)$/] > MemberExpression.object)",
          message: "Read configuration through src/env.ts (web tier) or src/worker/env.ts (worker).",
        },
        {
          selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']",
          message: "Read configuration through src/env.ts (web tier) or src/worker/env.ts (worker).",
        },
      ],
      "no-restricted-imports": [
        "error",
        ...["process", "node:process"].map((name) => ({
          name,
          importNames: ["env"],
          message: "Read configuration through src/env.ts (web tier) or src/worker/env.ts (worker).",
        })),
      ],
    },
  },
  // The boundary between the tiers. After the process.env block: the contract's blocks replace its
  // no-restricted-imports and no-restricted-syntax with stricter ones (zod only; only a type from the worker).
  {
    files: ["src/worker/**"],
    rules: boundaries([
      onlySrc(["./worker", "./contract"], `The worker imports only src/worker and src/contract. ${CONTRACT_ONLY}`),
    ]),
  },
  {
    files: ["src/worker-client/**"],
    rules: boundaries([
      onlySrc(
        ["./worker-client", "./contract"],
        `The worker client imports only itself and src/contract. ${CONTRACT_ONLY}`,
      ),
    ]),
  },
  {
    files: ["src/**"],
    ignores: ["src/worker/**", "src/worker-client/**", "src/contract/**"],
    rules: boundaries([
      { target: "./src/**", from: "./src/worker", message: `The web tier never imports the worker. ${CONTRACT_ONLY}` },
    ]),
  },
  {
    files: ["src/contract/**"],
    rules: {
      ...boundaries([onlySrc(["./contract"], "The contract imports only zod and itself.")]),
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^(?!zod$|\\.|~/)", message: "The contract imports only zod and itself." }] },
      ],
    },
  },
  {
    // The worker's API as a type: erased from every bundle, so the one import
    // of the worker the contract may make, as `export type` only.
    files: ["src/contract/worker-router.ts"],
    rules: {
      ...boundaries([
        onlySrc(
          ["./contract", "./worker/router.ts"],
          "The contract imports only zod and itself, and the worker router's type.",
        ),
      ]),
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "ImportDeclaration[importKind!='type'], ExportNamedDeclaration[exportKind!='type'], ExportAllDeclaration[exportKind!='type']",
          message: "Only a type may come from the worker.",
        },
      ],
    },
  },
  {
    // Tests of the contract may use the test runner and tRPC to exercise it.
    files: ["src/contract/**/*.test.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  // JavaScript (config files, the .mjs deploy helpers) is linted without types.
  { files: ["**/*.{js,mjs,cjs}"], ...tseslint.configs.disableTypeChecked },
  // Last: turns off stylistic rules that Prettier owns.
  prettier,
];

export default config;
