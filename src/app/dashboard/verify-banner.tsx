import { ResendVerification } from "~/app/_components/resend-verification";
import styles from "./verify-banner.module.css";

/** Shown on the dashboard while the signed-in user's address is unverified. */
export function VerifyBanner({ email }: { email: string }) {
  return (
    <section className={`card stack ${styles.banner}`} aria-label="Address not verified" data-testid="verify-banner">
      <p>
        Your address <strong>{email}</strong> is not verified yet. Open the link we mailed to it; it may have gone to
        the spam folder.
      </p>
      <ResendVerification email={email} />
    </section>
  );
}
