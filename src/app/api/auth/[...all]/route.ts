import { toNextJsHandler } from "better-auth/next-js";

import { auth } from "~/server/auth";

// A function, not `auth` itself: handing over the object would build Better
// Auth when `next build` imports this route.
export const { GET, POST } = toNextJsHandler((request: Request) => auth.handler(request));
