// Sending a mail whose failure must not undo what came before it (a change already made and audited,
// a code already issued): a failed send is logged (never the message, which may carry a code) and
// reported as false, never thrown.
import { sendEmail, type EmailMessage } from ".";

export async function trySendEmail(message: EmailMessage, what: string): Promise<boolean> {
  try {
    await sendEmail(message);
    return true;
  } catch (error) {
    console.error(`[tessera] ${what} email failed:`, error instanceof Error ? error.message : "unknown error");
    return false;
  }
}
