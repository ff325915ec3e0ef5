// Loaded with `node --require` into a CLI child process: reports the process's peak resident set size on exit,
// so a test can bound the memory of the real command without instrumenting it.
process.on('exit', () => {
  process.stderr.write(`\nmax-rss-kib: ${process.resourceUsage().maxRSS}\n`);
});
