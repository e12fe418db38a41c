import { loadConfig } from './config.js';
import { createLogger, startServer } from './server.js';

const config = loadConfig();
const log = createLogger(config);

try {
  const running = await startServer(config, log);
  const shown = running.url.replace('127.0.0.1', 'localhost');
  log.info({ url: `${shown}/api`, docs: `${shown}/docs`, database: running.context.dbKind }, 'T66 is listening');
  process.stdout.write(`\nT66 API:  ${shown}/api\nAPI docs: ${shown}/docs\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  log.fatal({ err }, 'T66 failed to start');
  process.exit(1);
}
