import Link from "next/link";

import { Notice } from "~/app/_components/notice";
import { noticeFor } from "~/app/_components/notices";
import type { SearchParamsProps } from "~/app/_components/search-params";
import { getSession } from "~/server/session";

export default async function HomePage({ searchParams }: SearchParamsProps) {
  const session = await getSession();
  const notice = noticeFor((await searchParams).notice);

  return (
    <main>
      {notice && <Notice testId="page-notice">{notice}</Notice>}
      <div className="card">
        <h1>Typed Worker Stack</h1>
        <p>
          A Next.js web tier with Better Auth sessions and an end-to-end typed tRPC API, on PostgreSQL managed by Prisma
          migrations.
        </p>
        <div className="actions">
          {session ? (
            <Link className="button" href="/dashboard">
              Go to your dashboard
            </Link>
          ) : (
            <>
              <Link className="button" href="/sign-up">
                Sign up
              </Link>
              <Link className="button secondary" href="/sign-in">
                Sign in
              </Link>
            </>
          )}
        </div>
      </div>
    </main>
  );
}
