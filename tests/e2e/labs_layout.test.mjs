// The labs page is usable by keyboard and on a phone: every control has an accessible name, Tab
// reaches them, Enter on a focused button runs the lab, and at 390 px nothing but the tables'
// own scroll boxes is wider than the screen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tabOrder, unnamedControls, waitForPlayground } from "./harness.mjs";
import { openLabs, screenshot, until } from "./labs_helpers.mjs";

test("labs controls are labelled, reachable with Tab, and fit a phone screen", async () => {
  const app = await openLabs({ width: 390, height: 844 });
  try {
    const { page } = app;
    const unnamed = await unnamedControls(page, "input, select, button, canvas#draw, [tabindex]");
    assert.deepEqual(unnamed, [], "controls without an accessible name");

    const seen = await tabOrder(page, 40);
    for (const id of ["axis", "sizes", "scaling-backend", "steps", "scaling-start", "load-model", "use-pretrained", "limit", "scope", "compress-start", "draw", "compare", "export"]) {
      assert.ok(seen.includes(id), `Tab never reaches #${id}: ${seen.join(" ")}`);
    }

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than a 390 px screen`);

    // Keyboard only: focus Evaluate and press Enter.
    for (const box of await page.$$("#settings input")) await box.uncheck();
    await page.check('#settings input[value="int8"]');
    await page.selectOption("#limit", "500");
    await page.focus("#compress-start");
    await page.keyboard.press("Enter");
    await until(page, () => /^Done/.test(document.getElementById("compress-progress").textContent));
    assert.equal(await page.locator("#compress-table tbody tr").count(), 1);
    // Focus went to Cancel while it ran and came back to Evaluate: the keyboard user is not dropped.
    assert.equal(await page.evaluate(() => document.activeElement.id), "compress-start");
    const after = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(after <= 0, `with a filled table the page is ${after} px too wide`);
    await screenshot(page, "labs_phone.png", { fullPage: true });

    // The playground's header links here, visibly.
    await page.goto(page.url().replace(/labs\.html.*$/, "index.html"));
    // (Wait for the playground to finish loading: leaving mid-fetch aborts its requests.)
    await waitForPlayground(page);
    const link = page.getByRole("link", { name: "Labs: scaling law & compression" });
    assert.ok(await link.isVisible(), "the playground shows a link to the labs");
    await link.click();
    await page.waitForURL(/labs\.html$/);
    await page.waitForFunction(() => window.labs && window.labs.ready);
    await page.evaluate(() => window.labs.ready);
    assert.equal(await page.textContent("#h-scaling"), "The scaling law");
    app.check();
  } finally {
    await app.close();
  }
});
