// ESLint (flat config): Next.js's rules (core web vitals, React, hooks, a11y, imports), typescript-eslint's
// recommended type-aware rules, and nothing that Prettier decides (eslint-config-prettier last).
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: [".next/**", "node_modules/**", "test-results/**", "playwright-report/**", ".data/**", ".cache/**", "next-env.d.ts"] },
  ...nextVitals,
  ...nextTypescript,
  {
    files: ["**/*.{ts,tsx}"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise left floating loses its errors; `void` marks the few that are meant to run alone.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Server actions are async by contract, and stand-ins mirror async APIs: an async function need not await.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.stringContaining...) are typed `any`.
    files: ["tests/**/*.{ts,tsx}"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off", "@typescript-eslint/no-unsafe-argument": "off" },
  },
  prettier,
);
