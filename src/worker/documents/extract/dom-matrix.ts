import CSSMatrix from "@thednp/dommatrix";

// Node has no DOMMatrix: pdf.js borrows one from @napi-rs/canvas, a native
// package the bundled worker, which runs without node_modules, cannot load.
// Text extraction needs a DOMMatrix only for Type 3 glyph outlines (scale,
// translate), which this pure-JavaScript implementation does correctly.
// Imported by pdf.ts before pdf.js, so it runs first.
globalThis.DOMMatrix ??= CSSMatrix as unknown as typeof DOMMatrix;
