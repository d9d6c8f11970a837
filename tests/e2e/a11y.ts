// The browser suite's accessibility and layout check, called by the specs on every page and open dialog
// they visit (issue 13): axe-core with the WCAG 2.0/2.1/2.2 A and AA rules (and the landmark rules) finds
// no violation; at 1280x800 and at 390x844 the document is no wider than the window; and a screenshot of
// each size goes to test-results/screens/<name>-<size>.png for anyone reviewing a change.
//
// Cheap by design: each name is checked once per run (the shared steps call it on every pass, and only
// the first one does the work), and on an existing page: it never signs in or navigates. A failure is a
// soft one: the test goes on (a shared step, such as the suite admin's first sign-in, finishes what it
// set out to do, so one page's problem does not become every later test's) and fails at its end.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { stateDir } from "./app-steps";

type Size = { width: number; height: number };

export const LAPTOP: Size = { width: 1280, height: 800 };
export const PHONE: Size = { width: 390, height: 844 };

const SCREENS = fileURLToPath(new URL("../../test-results/screens/", import.meta.url));
// axe-core's minified build (the copy @axe-core/playwright depends on): it sends the source into the page
// on every run, and the full build is twice the size.
const axeBuilderPath = createRequire(import.meta.url).resolve("@axe-core/playwright");
const AXE_SOURCE = readFileSync(createRequire(axeBuilderPath).resolve("axe-core/axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"];
// Landmarks are axe's best practice, outside the WCAG tags: turned on by name, as the issue asks for
// "landmarks right on every page". ("region" counts a dialog as a landmark of its own.)
const LANDMARK_RULES = [
  "region",
  "landmark-one-main",
  "landmark-no-duplicate-main",
  "landmark-main-is-top-level",
  "landmark-no-duplicate-banner",
  "landmark-no-duplicate-contentinfo",
  "landmark-banner-is-top-level",
  "landmark-contentinfo-is-top-level",
  "landmark-complementary-is-top-level",
  "landmark-unique",
];

// Names already checked in this run, kept in the run's state folder so that a worker Playwright restarts
// after a failure does not check them again; keyed by the runner's process (the workers' parent), so
// that a later run sharing the folder checks everything anew. (Read at call time: ./app-steps calls
// checkPage too, and imports this module as it loads.)
function firstTime(name: string): boolean {
  const checkedFile = path.join(stateDir, `a11y-checked-${process.ppid}.json`);
  const checked = existsSync(checkedFile) ? (JSON.parse(readFileSync(checkedFile, "utf8")) as string[]) : [];
  if (checked.includes(name)) return false;
  // Marked before the check: a failure is reported once, not again by every later test passing by.
  writeFileSync(checkedFile, JSON.stringify([...checked, name]));
  return true;
}

/**
 * Checks the page as it is now, under `name` (lower-case words and dashes: the screenshots' file name),
 * once per run. With a modal dialog open, the dialog is what is checked: axe runs inside it (the page
 * behind is inert, and has its own check), at 390x844 only, as no dialog changes with the breakpoints
 * (no `sm:`/`md:` class in them) and the phone is where its buttons crowd; the layout check then also
 * asks that the dialog fit the window and not scroll sideways. A page is checked by axe at both sizes,
 * its layout being different (the sidebar becomes "Menu" below md). `sizes` narrows the check, for what
 * exists at one size only (the phone's menu). The viewport found is restored.
 */
export async function checkPage(page: Page, name: string, options: { sizes?: Size[] } = {}): Promise<void> {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) throw new Error(`checkPage: "${name}" is not a file name of lower-case words and dashes.`);
  if (!firstTime(name)) return;
  await test.step(`a11y and layout: ${name}`, async () => {
    const found = page.viewportSize();
    const problems: string[] = [];
    mkdirSync(SCREENS, { recursive: true });
    const dialog = page.locator("dialog[open]").last();
    const isDialog = (await dialog.count()) > 0 && (await dialog.isVisible());
    try {
      for (const size of options.sizes ?? [LAPTOP, PHONE]) {
        const label = `${size.width}x${size.height}`;
        await page.setViewportSize(size);
        // Two frames: the new width laid out and painted before anything is measured.
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

        const overflow = await page.evaluate(measureOverflow, isDialog);
        if (overflow) problems.push(`at ${label}: ${overflow}`);

        if (!isDialog || size.width === PHONE.width || options.sizes) {
          // options() first: it replaces the options object, withTags() then adds runOnly to it. Only the
          // violations in detail (the passes are not read). Legacy mode: axe.run() in the page itself, where
          // the default runs each frame's part and then finishes in a new blank page, which costs about a
          // second more per run; it cannot reach cross-origin frames, and our pages have no frame at all.
          const axe = new AxeBuilder({ page, axeSource: AXE_SOURCE })
            .options({
              resultTypes: ["violations"],
              rules: Object.fromEntries(LANDMARK_RULES.map((rule) => [rule, { enabled: true }])),
            })
            .withTags(TAGS)
            .setLegacyMode();
          if (isDialog) axe.include("dialog[open]");
          const { violations } = await axe.analyze();
          for (const violation of violations) {
            const targets = violation.nodes.map((node) => `    ${node.target.join(" ")}  ${firstLine(node.failureSummary)}`);
            problems.push(
              [
                `at ${label}: ${violation.id} (${violation.impact ?? "no impact given"}): ${violation.help}, ${violation.nodes.length} element(s)`,
                ...targets.slice(0, 8),
                ...(targets.length > 8 ? [`    and ${targets.length - 8} more`] : []),
                `    ${violation.helpUrl}`,
              ].join("\n"),
            );
          }
        }

        await page.screenshot({ path: path.join(SCREENS, `${name}-${label}.png`), fullPage: !isDialog });
      }
    } finally {
      if (found) await page.setViewportSize(found);
    }
    expectA11y.soft(problems).toBeNoProblemsOf(name, page.url());
  });
}

// A matcher of its own, so that a failure reads as the list above and not as a diff of arrays.
const expectA11y = expect.extend({
  toBeNoProblemsOf(problems: string[], name: string, url: string) {
    return {
      pass: problems.length === 0,
      name: "toBeNoProblemsOf",
      message: () => `Accessibility or layout check of "${name}" (${url}) failed:\n${problems.join("\n")}`,
    };
  },
});

/** The first line of axe's "Fix any of the following:" summary that says what is wrong. */
function firstLine(summary: string | undefined): string {
  const lines = (summary ?? "").split("\n").map((line) => line.trim());
  return lines.find((line) => line && !/^Fix (any|all) of the following:$/.test(line)) ?? "";
}

/**
 * Runs in the page: null when the document is no wider than the window (and an open dialog fits it and
 * does not scroll sideways), else what is too wide, with the elements that stick out the most.
 */
function measureOverflow(isDialog: boolean): string | null {
  const width = window.innerWidth;
  const describe = (element: Element) => {
    const id = element.id ? `#${element.id}` : "";
    const classes = typeof element.className === "string" ? element.className.trim().split(/\s+/).slice(0, 3).join(".") : "";
    return `${element.tagName.toLowerCase()}${id}${classes ? `.${classes}` : ""}`;
  };
  const stickingOut = (root: Element, right: number) =>
    Array.from(root.querySelectorAll("*"))
      .map((element) => ({ element, right: element.getBoundingClientRect().right }))
      .filter((item) => item.right > right + 1)
      .sort((a, b) => b.right - a.right)
      .slice(0, 3)
      .map((item) => `${describe(item.element)} (right edge ${Math.round(item.right)} px)`)
      .join(", ");
  const problems: string[] = [];
  const documentWidth = document.documentElement.scrollWidth;
  if (documentWidth > width) {
    problems.push(`the document is ${documentWidth} px wide in a ${width} px window: ${stickingOut(document.body, width)}`);
  }
  const dialog = isDialog ? Array.from(document.querySelectorAll("dialog[open]")).pop() : undefined;
  if (dialog) {
    const box = dialog.getBoundingClientRect();
    if (box.left < 0 || box.right > width) problems.push(`the dialog spans ${Math.round(box.left)} to ${Math.round(box.right)} px`);
    if (dialog.scrollWidth > dialog.clientWidth) {
      problems.push(
        `the dialog scrolls sideways (${dialog.scrollWidth} px in ${dialog.clientWidth} px): ${stickingOut(dialog, box.right)}`,
      );
    }
  }
  return problems.length > 0 ? problems.join("; ") : null;
}
