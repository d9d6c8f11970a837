// The one way product code sends mail; the transport behind it is chosen from the environment at each send.
import { createTransport, type EmailMessage } from "./transport";

export type { EmailMessage } from "./transport";

export async function sendEmail(message: EmailMessage): Promise<void> {
  await createTransport(process.env).send(message);
}
