/**
 * HTML for mail bodies. Every interpolated value is escaped, so a name a user
 * chose arrives as text, never as markup; only the templates' own literal
 * parts are HTML.
 */
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

/** Marks a fragment this module produced as HTML, so `html` does not escape it again. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: (string | Html)[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += (value instanceof Html ? value.value : escapeHtml(value)) + strings[i + 1]!;
  });
  return new Html(out);
}

export function joinHtml(parts: Html[]): Html {
  return new Html(parts.map((part) => part.value).join(""));
}
