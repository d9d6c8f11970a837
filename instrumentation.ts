// Runs once when a server instance starts (see lib/startup.ts); nothing to do on the edge.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startServer } = await import("./lib/startup");
    await startServer();
  }
}
