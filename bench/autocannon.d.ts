// autocannon ships no types; this covers the part of its API the benchmark uses.
declare module "autocannon" {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      pipelining?: number;
      method?: string;
      headers?: Record<string, string>;
    }

    /** hdr-histogram-percentiles-obj; latencies are whole milliseconds. */
    interface Histogram {
      average: number;
      min: number;
      max: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Result {
      requests: Histogram;
      latency: Histogram;
      throughput: Histogram;
      /** Seconds. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      mismatches: number;
    }
  }

  /** The running benchmark; it resolves to the results. */
  interface Instance extends PromiseLike<autocannon.Result> {
    /** Every response, with its latency in (fractional) milliseconds. */
    on(
      event: "response",
      listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
    ): this;
    stop(): void;
  }

  function autocannon(options: autocannon.Options): Instance;

  export = autocannon;
}
