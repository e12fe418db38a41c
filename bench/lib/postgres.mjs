// A throwaway PostgreSQL database for the T66-on-PostgreSQL target, and the CPU
// its backends spend (they are processes of their own, outside the gateway).
import { createRequire } from 'node:module';
import { cpuMicros } from './proc.mjs';

// T66's own pg client from the root node_modules.
const pg = createRequire(new URL('../../package.json', import.meta.url))('pg');

export async function createBenchDatabase(adminUrl) {
  const name = `t66_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), adminUrl };
}

export async function dropBenchDatabase(database) {
  const admin = new pg.Client({ connectionString: database.adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database.name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Reads the server-side CPU of every backend connected to the bench database. */
export function backendCpuMeter(database) {
  const client = new pg.Client({ connectionString: database.adminUrl });
  const connected = client.connect();
  return {
    /** {pid: cpuMicros} for the database's backends right now. */
    async snapshot() {
      await connected;
      const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]);
      return Object.fromEntries(rows.map((r) => [r.pid, cpuMicros(r.pid)]).filter(([, cpu]) => cpu !== null));
    },
    /**
     * CPU µs the backends spent between two snapshots. A backend that appeared counts from zero; one that
     * exited in between is not counted at all (T66's pool keeps its connections open, so that is rare).
     */
    spent(before, after) {
      let total = 0;
      for (const [pid, cpu] of Object.entries(after)) total += cpu - (before[pid] ?? 0);
      return total;
    },
    close: () => client.end().catch(() => {}),
  };
}
