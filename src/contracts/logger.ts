/** What the core and the backends may say about their work; the CLI decides where it goes (stderr, a log file, nowhere). */
export interface Logger {
  /** Detail for --verbose. */
  debug(message: string): void;
  /** Something the user should know that did not stop the work. */
  warn(message: string): void;
}
