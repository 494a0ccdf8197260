import { envLogLevel } from "~/env";
import { createLogger } from "~/lib/logger";

export const logger = createLogger("web", envLogLevel());
