// Browser steps for the passkey specs: Chromium's virtual authenticator (through the DevTools protocol,
// one per page), adding a passkey on /profile/security, and the sections and buttons that name them.
import { createHash, createPrivateKey, sign } from "node:crypto";
import { expect, type Browser, type BrowserContext, type CDPSession, type Locator, type Page } from "@playwright/test";
import { checkPage } from "./a11y";
import { closeBackupCodes, reauthDialog, region } from "./app-steps";
import { createPerson, signIn, type TestPerson } from "./support";

const PASSKEYS = "Passkeys and security keys";

/** Chromium's stand-in for a platform authenticator (a phone's or laptop's own), as the DevTools protocol makes one. */
export class VirtualAuthenticator {
  private constructor(
    private readonly cdp: CDPSession,
    readonly id: string,
  ) {}

  /**
   * A CTAP2 authenticator with the internal transport and resident keys, added to `page` (it stays with
   * the page's tab across navigations). It answers every prompt at once, as if touched, and verifies
   * the user (a fingerprint, a PIN). With `userVerified: false` it cannot verify anyone, as a security
   * key without a PIN: the browser then asks for presence only. (One that can verify but fails to,
   * isUserVerified false alone, makes the browser end the prompt with no answer at all.)
   */
  static async attach(page: Page, options: { userVerified?: boolean } = {}): Promise<VirtualAuthenticator> {
    const userVerified = options.userVerified ?? true;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable", { enableUI: false });
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: userVerified,
        isUserVerified: userVerified,
        automaticPresenceSimulation: true,
      },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  async credentials() {
    return (await this.cdp.send("WebAuthn.getCredentials", { authenticatorId: this.id })).credentials;
  }

  /** Puts a credential (another authenticator's, with its private key) into this one. */
  async add(credential: VirtualCredential): Promise<void> {
    await this.cdp.send("WebAuthn.addCredential", { authenticatorId: this.id, credential });
  }

  /** Sets a credential's signature counter (as after assertions made elsewhere with the same key). */
  async setSignCount(credentialId: string, signCount: number): Promise<void> {
    const { credential } = await this.cdp.send("WebAuthn.getCredential", { authenticatorId: this.id, credentialId });
    await this.cdp.send("WebAuthn.removeCredential", { authenticatorId: this.id, credentialId });
    await this.add({ ...credential, signCount });
  }
}

export type VirtualCredential = Awaited<ReturnType<VirtualAuthenticator["credentials"]>>[number];

/**
 * From now on, in `page`, a request for any passkey of the site (an empty allow list: "Sign in with a
 * passkey") is answered with the key of `authenticator`'s one credential without user verification, as
 * a passkey provider that skips it would; every other request still goes to the browser. Chromium
 * itself never answers such a request without user verification: an authenticator that cannot verify
 * the user (or fails to) ends the prompt with no answer. The answer is signed here with the credential's
 * own private key (which the virtual authenticator hands out), over the page's own origin and the
 * server's challenge, so the server checks it as any other; its flags say "user present" only. The
 * authenticator's signature counter follows, as one key has one counter (else its next answer would
 * look like a clone's, and be refused).
 */
export async function answerSignInWithoutUserVerification(page: Page, authenticator: VirtualAuthenticator): Promise<void> {
  const [credential] = await authenticator.credentials();
  const key = createPrivateKey({ key: Buffer.from(credential.privateKey, "base64"), format: "der", type: "pkcs8" });
  await page.exposeFunction("passkeyWithoutUserVerification", async (challenge: string, origin: string) => {
    const [{ signCount }] = await authenticator.credentials();
    const counter = signCount + 1;
    await authenticator.setSignCount(credential.credentialId, counter);
    const rpId = new URL(origin).hostname;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const authenticatorData = Buffer.concat([createHash("sha256").update(rpId).digest(), Buffer.from([0x01]), count]);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge, origin, crossOrigin: false }));
    const signed = Buffer.concat([authenticatorData, createHash("sha256").update(clientDataJSON).digest()]);
    return {
      id: Buffer.from(credential.credentialId, "base64").toString("base64url"),
      authenticatorData: authenticatorData.toString("base64url"),
      clientDataJSON: clientDataJSON.toString("base64url"),
      // Chromium's virtual authenticator takes the first algorithm the server lists: EdDSA (Ed25519).
      signature: (key.asymmetricKeyType === "ed25519"
        ? sign(null, signed, key)
        : sign("sha256", signed, { key, dsaEncoding: "der" })
      ).toString("base64url"),
      userHandle: Buffer.from(credential.userHandle ?? "", "base64").toString("base64url"),
    };
  });
  await page.addInitScript(() => {
    type Answer = { id: string; authenticatorData: string; clientDataJSON: string; signature: string; userHandle: string };
    const answer = (window as unknown as { passkeyWithoutUserVerification: (challenge: string, origin: string) => Promise<Answer> })
      .passkeyWithoutUserVerification;
    const bytes = (text: string) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)).buffer;
    const text = (buffer: ArrayBuffer) =>
      btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = async (options?: CredentialRequestOptions) => {
      const publicKey = options?.publicKey;
      if (!publicKey || (publicKey.allowCredentials?.length ?? 0) > 0) return get(options);
      const given = await answer(text(publicKey.challenge as ArrayBuffer), location.origin);
      return {
        id: given.id,
        rawId: bytes(given.id),
        type: "public-key",
        authenticatorAttachment: "platform",
        response: {
          authenticatorData: bytes(given.authenticatorData),
          clientDataJSON: bytes(given.clientDataJSON),
          signature: bytes(given.signature),
          userHandle: bytes(given.userHandle),
        },
        getClientExtensionResults: () => ({}),
      } as unknown as Credential;
    };
  });
}

export function passkeysRegion(page: Page): Locator {
  return region(page, PASSKEYS);
}

/** One passkey's row in the list, by its name. */
export function passkeyRow(page: Page, name: string): Locator {
  return passkeysRegion(page).getByRole("list", { name: "Your passkeys" }).getByRole("listitem").filter({ hasText: name });
}

/** As if this session's last sign-in or confirmation was more than 10 minutes ago (the test server's route). */
export async function ageReauthentication(page: Page): Promise<void> {
  const response = await page.request.post("/dev/forget-reauthentication");
  expect(response.status()).toBe(204);
}

let addresses = 0;

/**
 * A browser context of its own whose requests name a client address of their own (the suite's server
 * sits behind a pretend proxy), so that what is counted per address, such as the passkey sign-in
 * challenges each load of /login asks for, is this context's alone and not the whole suite's.
 *
 * Without `autofill`, the browser says it has no passkey autofill (conditional mediation): Chromium's
 * virtual authenticator has no autofill list to pick from and answers the Account field's background
 * request at once, which would sign in as the page loads. A person who types their password, or
 * presses "Sign in with a passkey", has not picked a passkey from the list; the autofill has a test of its own.
 */
export async function ownContext(
  browser: Browser,
  options: { autofill?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  addresses += 1;
  const context = await browser.newContext({
    ...(options.viewport ? { viewport: options.viewport } : {}),
    extraHTTPHeaders: { "x-forwarded-for": `198.51.100.${(addresses % 250) + 1}` },
  });
  if (!options.autofill) {
    await context.addInitScript(() => {
      Object.defineProperty(PublicKeyCredential, "isConditionalMediationAvailable", { value: async () => false });
    });
  }
  return context;
}

/**
 * "Add a passkey" on /profile/security: "Confirm it's you" when it is asked (with `confirm`), the
 * browser's ceremony, then "Name your passkey", which is saved under `name` or skipped. Returns the
 * name the passkey has, and the backup codes when it was the person's first method.
 */
export async function addPasskey(
  page: Page,
  options: { name?: string; confirm?: (dialog: Locator) => Promise<void> } = {},
): Promise<{ name: string; backupCodes: string[] | null }> {
  if (new URL(page.url()).pathname !== "/profile/security") await page.goto("/profile/security");
  await passkeysRegion(page).getByRole("button", { name: "Add a passkey" }).click();
  const naming = page.getByRole("dialog", { name: "Name your passkey" });
  if (options.confirm) {
    await expect(naming.or(reauthDialog(page)).first()).toBeVisible();
    if (await reauthDialog(page).isVisible()) {
      await options.confirm(reauthDialog(page));
      await expect(reauthDialog(page)).toBeHidden();
    }
  }
  await expect(naming).toBeVisible();
  await checkPage(page, "dialog-name-passkey");
  const field = naming.getByLabel("Passkey name");
  if (options.name) {
    await field.fill(options.name);
    await naming.getByRole("button", { name: "Save" }).click();
  } else {
    await naming.getByRole("button", { name: "Skip" }).click();
  }
  await expect(naming).toBeHidden();
  const name = options.name ?? (await passkeysRegion(page).getByRole("listitem").first().locator("p").first().innerText());
  const codes = page.getByRole("dialog", { name: "Save your backup codes" });
  const added = passkeysRegion(page).getByText("The passkey was added.");
  await expect(codes.or(added).first()).toBeVisible();
  const backupCodes = (await codes.isVisible()) ? await closeBackupCodes(page) : null;
  await expect(passkeyRow(page, name)).toBeVisible();
  return { name, backupCodes };
}

/** Answers "Confirm it's you" with the password (the step-up of someone with no method yet). */
export function withPassword(password: string): (dialog: Locator) => Promise<void> {
  return async (dialog) => {
    await expect(dialog.getByLabel("Password")).toBeVisible();
    await checkPage(dialog.page(), "dialog-confirm-password");
    await dialog.getByLabel("Password").fill(password);
    await dialog.getByRole("button", { name: "Confirm" }).click();
  };
}

export type PasskeyPerson = {
  person: TestPerson;
  context: BrowserContext;
  page: Page;
  authenticator: VirtualAuthenticator;
  passkey: string;
  backupCodes: string[];
};

/**
 * A new agent, signed in in a context of their own with a virtual authenticator, whose first method is
 * a passkey of that authenticator (named `passkey`): the backup codes it brought are returned.
 */
export async function personWithPasskey(
  browser: Browser,
  options: { userVerified?: boolean; passkey?: string; viewport?: { width: number; height: number } } = {},
): Promise<PasskeyPerson> {
  const person = await createPerson(browser);
  const context = await ownContext(browser, { viewport: options.viewport });
  const page = await context.newPage();
  const authenticator = await VirtualAuthenticator.attach(page, { userVerified: options.userVerified });
  await signIn(page, person.username, person.password);
  await expect(page.getByRole("heading", { name: "Agent Panel" })).toBeVisible();
  const added = await addPasskey(page, { name: options.passkey ?? "Work laptop", confirm: withPassword(person.password) });
  expect(added.backupCodes).toHaveLength(10);
  return { person, context, page, authenticator, passkey: added.name, backupCodes: added.backupCodes! };
}
