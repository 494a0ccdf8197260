import { readFileSync } from "node:fs";

import { describe, expect, test } from "vitest";

import { NGINX_TEMPLATE, PLACEHOLDER, renderTemplate } from "./nginx";

describe("renderTemplate", () => {
  test("fills each ${NAME} and leaves nginx's own $variables alone", () => {
    expect(renderTemplate("listen ${PORT}; proxy_set_header Host $http_host; ${PORT}", { PORT: "80" })).toBe(
      "listen 80; proxy_set_header Host $http_host; 80",
    );
  });

  test("refuses a placeholder without a value, and a value without a placeholder", () => {
    expect(() => renderTemplate("listen ${PORT};", {})).toThrow("no value for ${PORT}");
    expect(() => renderTemplate("listen 80;", { PORT: "80" })).toThrow("no placeholder for PORT");
  });

  test("deploy/nginx.conf.template has exactly the placeholders its header tells envsubst about", () => {
    const template = readFileSync(NGINX_TEMPLATE, "utf8");
    const names = new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]));
    expect([...names].sort()).toEqual(["WEB_LISTEN", "WEB_SERVERS", "WORKER_LISTEN", "WORKER_SERVERS"]);
    expect(template).toContain("envsubst '${WEB_LISTEN} ${WORKER_LISTEN} ${WEB_SERVERS} ${WORKER_SERVERS}'");
  });
});
