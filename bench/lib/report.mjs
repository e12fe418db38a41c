// Aggregates the rounds of each point (mean over rounds, with the spread), puts
// every figure next to limit and direct from the same run, checks the issue's
// targets, and renders Markdown.

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const meanOf = (points, pick) => mean(points.map(pick).filter((v) => v !== null && v !== undefined && !Number.isNaN(v)));

function spread(xs) {
  const m = mean(xs);
  return m ? (Math.max(...xs) - Math.min(...xs)) / 2 / m : null;
}

function groupBy(points, key) {
  const groups = new Map();
  for (const p of points) {
    const k = key(p);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(p);
  }
  return groups;
}

export function aggregateNonStreaming(points) {
  const rows = [];
  for (const [, group] of groupBy(points, (p) => `${p.connections}|${p.target}`)) {
    rows.push({
      target: group[0].target,
      connections: group[0].connections,
      rounds: group.length,
      rps: meanOf(group, (p) => p.rps),
      rps_spread: spread(group.map((p) => p.rps)),
      p50_us: meanOf(group, (p) => p.latency_us.p50),
      p99_us: meanOf(group, (p) => p.latency_us.p99),
      cpu_us_per_req: meanOf(group, (p) => p.cpu_us_per_unit),
      upstream_cpu_us_per_req: meanOf(group, (p) => p.upstream_cpu_us_per_unit),
      db_cpu_us_per_req: meanOf(group, (p) => p.db_cpu_us_per_unit),
      errors: group.reduce((a, p) => a + p.error_count, 0),
    });
  }
  for (const row of rows) {
    const limit = rows.find((r) => r.target === 'limit' && r.connections === row.connections);
    const direct = rows.find((r) => r.target === 'direct' && r.connections === row.connections);
    row.rps_vs_limit = limit ? row.rps / limit.rps : null;
    row.rps_vs_direct = direct ? row.rps / direct.rps : null;
    row.p50_added_vs_limit_us = limit ? row.p50_us - limit.p50_us : null;
    row.p99_added_vs_limit_us = limit ? row.p99_us - limit.p99_us : null;
    row.p99_added_vs_direct_us = direct ? row.p99_us - direct.p99_us : null;
  }
  return rows;
}

export function aggregateStreaming(points) {
  const rows = [];
  for (const [, group] of groupBy(points, (p) => p.target)) {
    rows.push({
      target: group[0].target,
      rounds: group.length,
      streams: group.reduce((a, p) => a + p.streams, 0),
      ttft_p50_us: meanOf(group, (p) => p.ttft_us.p50),
      ttft_p99_us: meanOf(group, (p) => p.ttft_us.p99),
      total_p50_us: meanOf(group, (p) => p.total_us.p50),
      total_p99_us: meanOf(group, (p) => p.total_us.p99),
      cpu_us_per_stream: meanOf(group, (p) => p.cpu_us_per_unit),
      db_cpu_us_per_stream: meanOf(group, (p) => p.db_cpu_us_per_unit),
      errors: group.reduce((a, p) => a + p.error_count, 0),
    });
  }
  for (const row of rows) {
    const limit = rows.find((r) => r.target === 'limit');
    const direct = rows.find((r) => r.target === 'direct');
    row.ttft_p50_added_vs_limit_us = limit ? row.ttft_p50_us - limit.ttft_p50_us : null;
    row.ttft_p50_added_vs_direct_us = direct ? row.ttft_p50_us - direct.ttft_p50_us : null;
  }
  return rows;
}

export function aggregateRecords(points) {
  return [...groupBy(points, (p) => `${p.op}|${p.target}`).values()].map((group) => ({
    op: group[0].op,
    target: group[0].target,
    rounds: group.length,
    rps: meanOf(group, (p) => p.rps),
    rps_spread: spread(group.map((p) => p.rps)),
    p50_us: meanOf(group, (p) => p.latency_us.p50),
    p99_us: meanOf(group, (p) => p.latency_us.p99),
    cpu_us_per_req: meanOf(group, (p) => p.cpu_us_per_unit),
    db_cpu_us_per_req: meanOf(group, (p) => p.db_cpu_us_per_unit),
    errors: group.reduce((a, p) => a + p.error_count, 0),
  }));
}

export function aggregateFanout(points) {
  return [...groupBy(points, (p) => p.target).values()].map((group) => ({
    target: group[0].target,
    rounds: group.length,
    sockets: Math.min(...group.map((p) => p.sockets_in_room)),
    sockets_requested: group[0].sockets_requested,
    messages: group.reduce((a, p) => a + p.messages, 0),
    p50_us: meanOf(group, (p) => p.latency_us.p50),
    p99_us: meanOf(group, (p) => p.latency_us.p99),
    all_p50_us: meanOf(group, (p) => p.all_sockets_us.p50),
    all_p99_us: meanOf(group, (p) => p.all_sockets_us.p99),
    missed: group.reduce((a, p) => a + p.missed, 0),
    server_cpu_us_per_message: meanOf(group, (p) => p.server_cpu_us_per_message),
    server_rss_kb: Math.max(...group.map((p) => p.server_rss_kb)),
  }));
}

/** The issue's targets, for each T66 database. */
export function evaluateTargets(results) {
  const checks = [];
  const t66 = results.targets.filter((t) => t.isT66).map((t) => t.name);
  const s1 = results.scenarios.nonStreaming?.rows ?? [];
  const s2 = results.scenarios.streaming?.rows ?? [];
  for (const name of t66) {
    const c16 = s1.find((r) => r.target === name && r.connections === 16);
    const hasLimit = s1.some((r) => r.target === 'limit' && r.connections === 16);
    const missing = !results.scenarios.nonStreaming ? 'scenario 1 not run' : !c16 ? `${name} not measured` : !hasLimit ? 'limit not measured' : undefined;
    checks.push({
      target: name,
      check: 'non-streaming c=16: req/s ≥ 50% of limit',
      value: c16?.rps_vs_limit != null ? `${(c16.rps_vs_limit * 100).toFixed(0)}%` : null,
      pass: missing ? null : c16.rps_vs_limit >= 0.5 && c16.errors === 0,
      why: missing ?? (c16.errors ? `${c16.errors} errors` : undefined),
    });
    checks.push({
      target: name,
      check: 'non-streaming c=16: p99 added over limit ≤ 5 ms',
      value: c16?.p99_added_vs_limit_us != null ? `${(c16.p99_added_vs_limit_us / 1000).toFixed(2)} ms` : null,
      pass: missing ? null : c16.p99_added_vs_limit_us <= 5000,
      why: missing,
    });
    const stream = s2.find((r) => r.target === name);
    const streamMissing = !results.scenarios.streaming ? 'scenario 2 not run' : !stream ? `${name} not measured` : !s2.some((r) => r.target === 'limit') ? 'limit not measured' : undefined;
    checks.push({
      target: name,
      check: 'streaming: TTFT p50 added over limit ≤ 2 ms',
      value: stream?.ttft_p50_added_vs_limit_us != null ? `${(stream.ttft_p50_added_vs_limit_us / 1000).toFixed(2)} ms` : null,
      pass: streamMissing ? null : stream.ttft_p50_added_vs_limit_us <= 2000 && stream.errors === 0,
      why: streamMissing ?? (stream.errors ? `${stream.errors} stream errors` : undefined),
    });
  }
  const pg = results.targets.find((t) => t.name === 't66-pg');
  if (pg) {
    const idleMb = pg.idle_rss_kb / 1024;
    checks.push({ target: 't66-pg', check: 'idle RSS ≤ 150 MB', value: Number.isFinite(idleMb) ? `${idleMb.toFixed(0)} MB` : null, pass: Number.isFinite(idleMb) ? idleMb <= 150 : null, why: pg.unavailable });
  }
  return checks;
}

const ms = (us, digits = 2) => (us === null || us === undefined ? '–' : (us / 1000).toFixed(digits));
const num = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));
const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(0)}%`);
const plus = (us) => (us === null || us === undefined ? '–' : `${us >= 0 ? '+' : ''}${(us / 1000).toFixed(2)}`);
const mb = (kb) => (kb === null || kb === undefined || Number.isNaN(kb) ? '–' : (kb / 1024).toFixed(0));

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function markdown(results) {
  const out = [];
  const m = results.meta;
  out.push(`## T66 benchmark: ${m.date}`);
  out.push('');
  out.push(`Machine: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGb} GB, Linux ${m.kernel}, Node.js ${m.node}. Load generator (${m.loadGenerator}) on CPU ${m.loadCpu}, every server on CPU ${m.serverCpu}${m.pinned ? '' : ' (NOT pinned: taskset missing or one CPU)'}.`);
  out.push(`Each point: ${m.durationS} s, ${m.rounds} rounds interleaved; figures are the mean over rounds, "±" is half the spread between rounds. Load average at start: ${m.loadavgStart.map((v) => v.toFixed(2)).join(' ')}, at end: ${(m.loadavgEnd ?? []).map((v) => v.toFixed(2)).join(' ')}.`);
  if (m.loadavgStart[0] > m.cpus / 2) out.push(`**Warning: the machine was busy when this run started (load average ${m.loadavgStart[0].toFixed(1)} on ${m.cpus} CPUs); only the ratios within this run mean anything, and even they are noisy.**`);
  out.push(`T66 runs with LOG_LEVEL=${m.t66LogLevel}, rate limiting on (limits too high to trigger), a real JWT, and model \`${m.model}\`.`);
  for (const t of results.targets) {
    if (t.unavailable) out.push(`- **${t.name} unavailable:** ${t.unavailable}`);
    else {
      if (t.completions) out.push(`- **${t.name}: no non-streaming figures:** ${t.completions.slice(0, 160)}`);
      if (t.streaming) out.push(`- **${t.name}: no streaming figures:** ${t.streaming.slice(0, 160)}`);
    }
  }
  out.push('');

  const s1 = results.scenarios.nonStreaming;
  if (s1) {
    out.push('### 1. Non-streaming completions');
    out.push('');
    out.push(
      table(
        ['c', 'target', 'req/s', '±', 'p50 ms', 'p99 ms', 'gateway CPU µs/req', 'req/s ÷ limit', 'req/s ÷ direct', 'p50 + vs limit', 'p99 + vs limit', 'p99 + vs direct', 'errors'],
        s1.rows.map((r) => [r.connections, r.target, num(r.rps), pct(r.rps_spread), ms(r.p50_us), ms(r.p99_us), r.target === 'direct' ? `(upstream ${num(r.upstream_cpu_us_per_req)})` : `${num(r.cpu_us_per_req)}${r.db_cpu_us_per_req != null ? ` + db ${num(r.db_cpu_us_per_req)}` : ''}`, pct(r.rps_vs_limit), pct(r.rps_vs_direct), plus(r.p50_added_vs_limit_us), plus(r.p99_added_vs_limit_us), plus(r.p99_added_vs_direct_us), r.errors]),
      ),
    );
    out.push('');
  }
  const s2 = results.scenarios.streaming;
  if (s2) {
    out.push(`### 2. Streaming completions (${m.streamConcurrency} concurrent streams of ${m.chunks} chunks, ${m.delayMs} ms apart)`);
    out.push('');
    out.push(
      table(
        ['target', 'streams', 'TTFT p50 ms', 'TTFT p99 ms', 'TTFT p50 + vs limit', 'TTFT p50 + vs direct', 'total p50 ms', 'total p99 ms', 'gateway CPU µs/stream', 'errors'],
        s2.rows.map((r) => [r.target, r.streams, ms(r.ttft_p50_us), ms(r.ttft_p99_us), plus(r.ttft_p50_added_vs_limit_us), plus(r.ttft_p50_added_vs_direct_us), ms(r.total_p50_us), ms(r.total_p99_us), r.target === 'direct' ? '–' : `${num(r.cpu_us_per_stream)}${r.db_cpu_us_per_stream != null ? ` + db ${num(r.db_cpu_us_per_stream)}` : ''}`, r.errors]),
      ),
    );
    out.push('');
  }
  const s3 = results.scenarios.records;
  if (s3) {
    out.push(`### 3. Records (c=${m.recordsConcurrency}; list filter \`${s3.filter}\`, sort \`-created\`, 30 per page of ${m.chats} chats)`);
    out.push('');
    for (const [name, why] of Object.entries(s3.unavailable)) out.push(`- ${name}: unavailable: ${why}`);
    for (const [name, seeded] of Object.entries(s3.seeding ?? {})) out.push(`- ${name}: ${seeded.chats} chats seeded with one SQL insert in ${seeded.ms} ms, between T66's first start and the measured one.`);
    if (s3.rows.length) {
      out.push('');
      out.push(
        table(
          ['operation', 'target', 'req/s', '±', 'p50 ms', 'p99 ms', 'gateway CPU µs/req', 'errors'],
          s3.rows.map((r) => [r.op, r.target, num(r.rps), pct(r.rps_spread), ms(r.p50_us), ms(r.p99_us), `${num(r.cpu_us_per_req)}${r.db_cpu_us_per_req != null ? ` + db ${num(r.db_cpu_us_per_req)}` : ''}`, r.errors]),
        ),
      );
    }
    out.push('');
  }
  const s4 = results.scenarios.fanout;
  if (s4) {
    out.push('### 4. WebSocket fan-out (REST message create → `message.created` on every socket of one room)');
    out.push('');
    for (const [name, why] of Object.entries(s4.unavailable)) out.push(`- ${name}: unavailable: ${why}`);
    for (const [name, setup] of Object.entries(s4.setups ?? {})) {
      if (!setup.unavailable) out.push(`- ${name}: ${setup.sockets_in_room} of ${setup.sockets_requested} sockets opened and joined in ${(setup.setup_ms / 1000).toFixed(1)} s (including the presence frames of every join to every socket).`);
    }
    if (s4.rows.length) {
      out.push('');
      out.push(
        table(
          ['target', 'sockets in room', 'messages', 'per-socket p50 ms', 'per-socket p99 ms', 'last socket p50 ms', 'last socket p99 ms', 'missed', 'server CPU ms/message', 'server RSS MB'],
          s4.rows.map((r) => [r.target, `${r.sockets}/${r.sockets_requested}`, r.messages, ms(r.p50_us), ms(r.p99_us), ms(r.all_p50_us), ms(r.all_p99_us), r.missed, ms(r.server_cpu_us_per_message, 1), mb(r.server_rss_kb)]),
        ),
      );
    }
    out.push('');
  }
  if (results.scenarios.memory) {
    out.push('### 5. Memory (RSS)');
    out.push('');
    out.push(
      table(
        ['target', 'idle after start MB', 'peak under scenario 1 MB', 'first start (new data) MB', 'start to healthy ms'],
        results.targets.filter((t) => !t.unavailable).map((t) => [t.name, mb(t.idle_rss_kb), mb(results.scenarios.memory.peak[t.name]?.kb), mb(t.first_start?.rss_kb), t.start_ms ?? '–']),
      ),
    );
    out.push('');
  }
  out.push('### Targets');
  out.push('');
  out.push(table(['target', 'check', 'measured', 'result'], results.checks.map((c) => [c.target, c.check, c.value ?? '–', c.pass === null ? `n/a${c.why ? ` (${c.why})` : ''}` : c.pass ? 'PASS' : `MISS${c.why ? ` (${c.why})` : ''}`])));
  out.push('');
  return out.join('\n');
}
