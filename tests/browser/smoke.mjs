// Browser smoke test of the Probity web UI: signs in to a running server's demo tenant in
// headless Chromium at laptop and phone widths, opens every top-level page, signs out, and
// fails on console errors (CSP violations included), page errors, failed requests or error
// answers. It also generates a PDF report from the Reports page, renders every page of it to
// PNG with poppler's `pdftoppm` and checks the count against the page count Probity recorded.
// Screenshots (and the PDF's pages) go to $SMOKE_SCREENSHOTS.
//
//   SMOKE_URL=http://127.0.0.1:8080 SMOKE_SCREENSHOTS=/tmp/shots node smoke.mjs
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = (process.env.SMOKE_URL || "http://127.0.0.1:8080").replace(/\/$/, "");
const shots = process.env.SMOKE_SCREENSHOTS || "screenshots";
const email = process.env.SMOKE_EMAIL || "admin@demo.probity.test";
const password = process.env.PROBITY_DEMO_PASSWORD || "demo-probity-2026";
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

const pages = [
  ["dashboard", "/", "Dashboard"],
  ["audit", "/audit", "Audit trail"],
  ["audit-alerts", "/audit/alerts", "Alerts"],
  ["ledger", "/ledger", "Ledger"],
  ["compliance", "/compliance", "Compliance"],
  ["compliance-framework", "/compliance/frameworks/soc2-2017", "SOC 2 Trust Services Criteria"],
  ["compliance-controls", "/compliance/controls", "Control library"],
  ["compliance-control", "/compliance/controls/IAM-01", "IAM-01"],
  ["compliance-compare", "/compliance/compare?from=iso27001-2022&to=soc2-2017", "Meeting"],
  ["compliance-diff", "/compliance/diff?from=iso27001-2013&to=iso27001-2022", "Changes from"],
  ["assessments", "/assessments", "Assessments"],
  ["evidence", "/evidence", "Evidence"],
  ["control-tests", "/control-tests", "Control tests"],
  ["gaps", "/compliance/gaps?framework=soc2-2017", "Gap analysis"],
  ["governance", "/governance", "Governance"],
  ["governance-risks", "/governance/risks", "Risk register"],
  ["governance-exceptions", "/governance/exceptions", "Exceptions"],
  ["governance-vendors", "/governance/vendors", "Vendors"],
  ["governance-assets", "/governance/assets", "Assets"],
  ["privacy", "/privacy", "Privacy"],
  ["service-levels", "/service-levels", "Service levels"],
  ["support", "/support", "Support"],
  ["reports", "/reports", "Reports"],
  ["calendar", "/calendar", "Compliance calendar"],
  ["settings", "/settings", "Settings"],
];
const viewports = [
  ["laptop", { width: 1366, height: 850 }],
  ["phone", { width: 390, height: 844 }],
];

mkdirSync(shots, { recursive: true });
const problems = [];
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
try {
  for (const [device, viewport] of viewports) {
    const context = await browser.newContext({ viewport, javaScriptEnabled: true });
    const page = await context.newPage();
    const where = () => `${device} ${page.url()}`;
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`${where()}: console error: ${m.text()}`);
      else if (m.type() === "warning") console.warn(`${where()}: console warning: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`${where()}: page error: ${e.message}`));
    page.on("requestfailed", (r) => {
      const error = r.failure()?.errorText ?? "";
      // Leaving a page cancels its pending requests (often the icon): not a server failure.
      if (error === "net::ERR_ABORTED") return;
      problems.push(`${where()}: request failed: ${r.url()} ${error}`);
    });
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${where()}: ${r.status()} for ${r.url()}`);
    });

    // Signed out, any page leads to the sign-in form, which leads back.
    await page.goto(`${base}/ledger`);
    await page.waitForURL(/\/login\?next=/);
    await page.screenshot({ path: join(shots, `${device}-login.png`), fullPage: true });
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${base}/ledger`);

    for (const [name, path, heading] of pages) {
      const response = await page.goto(`${base}${path}`);
      if (!response || response.status() !== 200) {
        problems.push(`${device} ${path}: status ${response?.status()}`);
      }
      const h1 = (await page.locator("main h1").first().innerText()).trim();
      if (!h1.startsWith(heading)) problems.push(`${device} ${path}: heading ${JSON.stringify(h1)}`);
      const current = await page.locator('nav a[aria-current="page"]').count();
      if (current !== 1) problems.push(`${device} ${path}: ${current} current nav links`);
      // Nothing wider than the screen (tables scroll inside their own box).
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      if (overflow > 0) problems.push(`${device} ${path}: page is ${overflow}px wider than the viewport`);
      await page.screenshot({ path: join(shots, `${device}-${name}.png`), fullPage: true });
    }

    // An event page, reached from the audit explorer; the browser verifies its inclusion proof.
    await page.goto(`${base}/audit`);
    await page.locator("#audit-table tbody a").first().click();
    await page.waitForURL(/\/audit\/events\/\d+$/);
    const eventH1 = (await page.locator("main h1").first().innerText()).trim();
    if (!eventH1.startsWith("Event #")) problems.push(`${device} event page: heading ${JSON.stringify(eventH1)}`);
    if ((await page.locator("#checks .check-bad").count()) > 0) problems.push(`${device} event page: a server check failed`);
    if ((await page.locator("#verify-proof").count()) === 1) {
      await page.locator("#verify-proof").click();
      await page.waitForFunction(() => document.getElementById("verify-result").textContent.length > 0);
      const verdict = await page.locator("#verify-result").innerText();
      if (!verdict.startsWith("✓")) problems.push(`${device} event page: browser verification said ${JSON.stringify(verdict)}`);
    } else {
      problems.push(`${device} event page: no checkpoint covers the newest event yet`);
    }
    const eventOverflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    if (eventOverflow > 0) problems.push(`${device} event page: ${eventOverflow}px wider than the viewport`);
    await page.screenshot({ path: join(shots, `${device}-audit-event.png`), fullPage: true });

    // A policy page, reached from the governance list (ids differ per run).
    await page.goto(`${base}/governance`);
    const policyLink = page.locator("#policies a").first();
    const policyTitle = (await policyLink.innerText()).trim();
    await policyLink.click();
    await page.waitForURL(/\/governance\/policies\//);
    const policyH1 = (await page.locator("main h1").first().innerText()).trim();
    if (!policyH1.startsWith(policyTitle)) problems.push(`${device} policy page: heading ${JSON.stringify(policyH1)}`);
    await page.screenshot({ path: join(shots, `${device}-governance-policy.png`), fullPage: true });

    // An SLO page, reached from the service-level board, with its charts.
    await page.goto(`${base}/service-levels`);
    const sloLink = page.locator("#slos a").first();
    const sloName = (await sloLink.innerText()).trim();
    await sloLink.click();
    await page.waitForURL(/\/service-levels\/[0-9a-f-]+$/);
    const sloH1 = (await page.locator("main h1").first().innerText()).trim();
    if (!sloH1.startsWith(sloName)) problems.push(`${device} SLO page: heading ${JSON.stringify(sloH1)}`);
    if ((await page.locator("main svg.chart").count()) < 2) problems.push(`${device} SLO page: the daily charts are missing`);
    const sloOverflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    if (sloOverflow > 0) problems.push(`${device} SLO page: ${sloOverflow}px wider than the viewport`);
    await page.screenshot({ path: join(shots, `${device}-service-level.png`), fullPage: true });

    // Log a data subject request from the Privacy page; its page shows it with its clock.
    await page.goto(`${base}/privacy`);
    await page.locator("#new-request-panel summary").click();
    const request = page.locator("#new-request");
    await request.getByLabel("Subject id").fill(`smoke-${device}`);
    await request.getByRole("button", { name: "Log request" }).click();
    await page.waitForURL(/\/privacy\/requests\/[0-9a-f-]+$/);
    const requestH1 = (await page.locator("main h1").first().innerText()).trim();
    if (!requestH1.startsWith("DSR-")) problems.push(`${device} request page: heading ${JSON.stringify(requestH1)}`);
    if (!(await page.locator("#request-due").innerText()).startsWith("Due ")) problems.push(`${device} request page: no due date`);
    const requestOverflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    if (requestOverflow > 0) problems.push(`${device} request page: ${requestOverflow}px wider than the viewport`);
    await page.screenshot({ path: join(shots, `${device}-privacy-request.png`), fullPage: true });

    // The demo DPIA, reached from the Privacy page, with its screening and questionnaire.
    await page.goto(`${base}/privacy`);
    await page.locator("#dpias a").first().click();
    await page.waitForURL(/\/privacy\/dpias\/[0-9a-f-]+$/);
    const dpiaH1 = (await page.locator("main h1").first().innerText()).trim();
    if (!dpiaH1.startsWith("DPIA-")) problems.push(`${device} DPIA page: heading ${JSON.stringify(dpiaH1)}`);
    if ((await page.locator("#questions tbody tr").count()) !== 13) problems.push(`${device} DPIA page: not 13 questions`);
    const dpiaOverflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    if (dpiaOverflow > 0) problems.push(`${device} DPIA page: ${dpiaOverflow}px wider than the viewport`);
    await page.screenshot({ path: join(shots, `${device}-privacy-dpia.png`), fullPage: true });

    // A demo subject's consent, looked up from the Privacy page.
    await page.goto(`${base}/privacy`);
    const lookup = page.locator("#consent-lookup");
    await lookup.getByLabel("Subject id").fill("cust-10482");
    await lookup.getByRole("button", { name: "Show consent" }).click();
    await page.waitForURL(/\/privacy\/consent\?subject=cust-10482$/);
    if ((await page.locator("#current tbody tr").count()) < 1) problems.push(`${device} consent page: no purpose for cust-10482`);
    const consentOverflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    if (consentOverflow > 0) problems.push(`${device} consent page: ${consentOverflow}px wider than the viewport`);
    await page.screenshot({ path: join(shots, `${device}-privacy-consent.png`), fullPage: true });

    // Generate a risk register PDF from the Reports page; the history lists it with its page
    // count; its page shows the hashes; the file, rendered page by page, has that many pages.
    await page.goto(`${base}/reports`);
    const form = page.locator("#kind-risk_register form");
    await form.locator("select[name=format]").selectOption("pdf");
    await form.getByRole("button", { name: "Generate" }).click();
    await page.waitForURL(/\/reports\?done=/);
    const row = page.locator("#report-history tbody tr").first();
    const rowText = await row.innerText();
    const counted = rowText.match(/\((\d+) pages\)/);
    if (!rowText.includes("Risk register") || !counted) {
      problems.push(`${device} reports: the new report is not first in the history: ${JSON.stringify(rowText)}`);
    } else {
      await page.screenshot({ path: join(shots, `${device}-reports-generated.png`), fullPage: true });
      await row.locator("a").first().click();
      await page.waitForURL(/\/reports\/[0-9a-f-]+$/);
      const hashes = await page.locator("#report-facts code.hash").count();
      if (hashes !== 2) problems.push(`${device} report page: ${hashes} hashes shown`);
      await page.screenshot({ path: join(shots, `${device}-report.png`), fullPage: true });
      const file = await page.request.get(`${page.url()}/file`);
      const body = await file.body();
      if (file.status() !== 200 || file.headers()["content-type"] !== "application/pdf" || !body.subarray(0, 5).equals(Buffer.from("%PDF-"))) {
        problems.push(`${device} report file: ${file.status()} ${file.headers()["content-type"]}`);
      } else {
        const dir = join(shots, `${device}-pdf`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, "report.pdf"), body);
        execFileSync("pdftoppm", ["-png", "-r", "50", join(dir, "report.pdf"), join(dir, "page")]);
        const rendered = readdirSync(dir).filter((f) => f.endsWith(".png")).length;
        if (rendered !== Number(counted[1])) {
          problems.push(`${device} report PDF: pdftoppm rendered ${rendered} pages, Probity recorded ${counted[1]}`);
        }
      }
    }

    // The dashboard's chart is there; the skip link reaches the main content.
    await page.goto(`${base}/`);
    if ((await page.locator("svg.chart rect.chart-bar").count()) !== 14) {
      problems.push(`${device}: the audit activity chart does not have 14 bars`);
    }
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.className);
    if (focused !== "skip-link") problems.push(`${device}: first Tab focuses ${focused}, not the skip link`);

    // Sign out from the account menu.
    await page.locator("details.user-menu summary").click();
    await page.screenshot({ path: join(shots, `${device}-user-menu.png`) });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login\?signed_out=1$/);
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login$/);
    await context.close();
  }
} finally {
  await browser.close();
}

if (problems.length > 0) {
  console.error(`browser smoke test failed (${problems.length}):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`browser smoke test passed: ${pages.length} pages at ${viewports.length} widths; screenshots in ${shots}`);
