/**
 * While a worker call is failing, ask again this often: a panel recovers on
 * its own once the worker is back, without a reload.
 */
export const RETRY_WHILE_FAILING_MS = 3_000;

/** A react-query `refetchInterval` that polls only while the last attempt failed. */
export const refetchWhileFailing = (query: { state: { status: string } }) =>
  query.state.status === "error" ? RETRY_WHILE_FAILING_MS : false;
