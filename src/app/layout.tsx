import type { Metadata } from "next";
import { connection } from "next/server";

import { TRPCReactProvider } from "~/trpc/react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Typed Worker Stack",
  description: "Next.js web tier, Better Auth sessions and a typed tRPC API on PostgreSQL.",
};

export default async function RootLayout({ children }: Readonly<{ children: React.ReactNode }>) {
  // Every page renders per request, the not-found page included: a page
  // prerendered at build time has no nonce on its scripts, and the
  // Content-Security-Policy from src/proxy.ts would block them all.
  await connection();
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
