import { RESET_LINK_LIFETIME } from "~/server/account/link-lifetimes";
import { lifetimeInWords } from "~/server/mail/messages";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata = { title: "Forgot password · Typed Worker Stack" };

export default function ForgotPasswordPage() {
  return <ForgotPasswordForm lifetime={lifetimeInWords(RESET_LINK_LIFETIME)} />;
}
