import { describe, expect, it } from "vitest";

import { rejectCrossSite, type CrossSiteErrorBody } from "./origin-check";

const evil = "https://evil.example";

describe("rejectCrossSite (the tRPC endpoint's origin check)", () => {
  const allowed = ["http://localhost:3000/"];
  const request = (headers: Record<string, string>) =>
    new Request("http://localhost:3000/api/trpc/session.me", { headers });

  it.each<[string, Record<string, string>]>([
    ["no Origin and no Sec-Fetch-Site (curl, server to server)", {}],
    ["the allowed Origin", { origin: "http://localhost:3000" }],
    ["the allowed Origin, same-site fetch", { origin: "http://localhost:3000", "sec-fetch-site": "same-site" }],
    ["a same-origin GET (browsers send no Origin)", { "sec-fetch-site": "same-origin" }],
    ["a URL typed into the address bar", { "sec-fetch-site": "none" }],
  ])("lets %s through", (_, headers) => {
    expect(rejectCrossSite(request(headers), allowed)).toBeNull();
  });

  it.each<[string, Record<string, string>, CrossSiteErrorBody["error"]["reason"]]>([
    ["another origin", { origin: evil }, "cross_origin"],
    ["another port of the same host", { origin: "http://localhost:3001" }, "cross_origin"],
    ["the allowed origin with a path", { origin: "http://localhost:3000/x" }, "cross_origin"],
    ["another origin claiming same-origin", { origin: evil, "sec-fetch-site": "same-origin" }, "cross_origin"],
    ['Origin "null"', { origin: "null" }, "null_origin"],
    ["a cross-site GET without Origin (a link, an <img>)", { "sec-fetch-site": "cross-site" }, "cross_site"],
    ["a same-site GET without Origin (a sibling subdomain)", { "sec-fetch-site": "same-site" }, "cross_site"],
  ])("refuses %s", async (_, headers, reason) => {
    const response = rejectCrossSite(request(headers), allowed);

    expect(response?.status).toBe(403);
    expect(response?.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response?.json()) as CrossSiteErrorBody;
    expect(body.error).toMatchObject({ code: "FORBIDDEN", reason });
    expect(body.error.message).toMatch(/\w+ \w+/);
  });
});
