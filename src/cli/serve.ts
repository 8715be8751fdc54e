/** `streamhub serve [--config <file>]`: runs the server exactly as `npm start` does (src/main.ts). */

/** Hands over to the server's entry point, which reads `--config` from process.argv. */
export async function serve(argv: readonly string[]): Promise<void> {
  process.argv = [process.argv[0]!, 'streamhub', ...argv];
  await import('../main.js');
}
