// Notices that follow a change already made and audited: a failed send is logged (never the message,
// which may carry a code) and reported as false, never thrown, so it cannot undo the change.
import { sendEmail, type EmailMessage } from ".";

export async function sendNotice(message: EmailMessage, what: string): Promise<boolean> {
  try {
    await sendEmail(message);
    return true;
  } catch (error) {
    console.error(`[tessera] ${what} email failed:`, error instanceof Error ? error.message : "unknown error");
    return false;
  }
}
