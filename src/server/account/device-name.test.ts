import { describe, expect, it } from "vitest";

import { describeDevice, UNKNOWN_BROWSER } from "./device-name";

describe("describeDevice", () => {
  it.each([
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.7339.185 Safari/537.36",
      "Chrome 140 on Linux",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
      "Safari 17 on iOS (iPhone)",
    ],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128 on Windows"],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36",
      "Chrome 140 on macOS",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36",
      "Chrome 140 on Android",
    ],
  ])("%s → %s", (ua, words) => {
    expect(describeDevice(ua)).toBe(words);
  });

  it("says so when it cannot tell", () => {
    expect(describeDevice(null)).toBe(UNKNOWN_BROWSER);
    expect(describeDevice("")).toBe(UNKNOWN_BROWSER);
    expect(describeDevice("   ")).toBe(UNKNOWN_BROWSER);
    expect(describeDevice("curl/8.5.0")).toBe(UNKNOWN_BROWSER);
  });

  it("reads only the start of a huge header", () => {
    const started = performance.now();
    expect(describeDevice(`Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0 ${"(".repeat(1_000_000)}`)).toBe(
      "Firefox 128 on Linux",
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
