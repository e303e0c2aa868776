import { main } from './main';

// `harvest … | head`: once the reader has gone, what is left to print has nowhere to go. Stop quietly
// (exit 0, nothing on stderr) instead of dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });

process.exitCode = await main(process.argv.slice(2));
