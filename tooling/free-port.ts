import net from "node:net";

/**
 * `port` on `host` if nothing listens there, else one the OS picks (0 asks for
 * that right away): a dev server keeps the address it had yesterday when it
 * can, and still starts beside whatever took it.
 */
export async function preferredOrFreePort(port: number, host = "127.0.0.1"): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once("error", reject);
      server.listen(port, host, () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
  try {
    return await tryListen(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return tryListen(0);
  }
}
