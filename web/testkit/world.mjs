// The world the browser tests (test/e2e.mjs) run against: the small demo world from `clew demo`, an analysis
// beside its snapshot (written from truth.json when the detection stage has not written one),
// a tokens file with one token per role, and `clew serve` on an ephemeral loopback port.

import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The clew binary: CLEW_BIN (tests/web.rs sets it), else the debug build. */
export function clewBinary() {
  const candidates = [process.env.CLEW_BIN, path.resolve(import.meta.dirname, '../../target/debug/clew')];
  const found = candidates.find((p) => p && fs.existsSync(p));
  if (!found) {
    throw new Error('no clew binary: set CLEW_BIN or run `cargo build` first');
  }
  return found;
}

export const TOKENS = { viewer: 'viewer-token-0123456789', investigator: 'investigator-token-0123456789', admin: 'admin-token-0123456789' };

/** Generates the small demo world in `dir` (once) and returns its paths and ground truth. */
export function makeWorld(clew, dir) {
  const snapshot = path.join(dir, 'world.clew');
  if (!fs.existsSync(path.join(dir, 'truth.json')) || !opens(clew, snapshot)) {
    fs.rmSync(`${snapshot}.analysis`, { recursive: true, force: true });
    execFileSync(clew, ['demo', '--size', 'small', '--no-serve', '--quiet', '--out', dir], { stdio: 'pipe' });
  }
  const truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8'));
  const analysisDir = `${snapshot}.analysis`;
  if (!fs.existsSync(path.join(analysisDir, 'clusters.jsonl'))) {
    writeAnalysis(analysisDir, truth);
  }
  const tokens = path.join(dir, 'tokens.toml');
  fs.writeFileSync(
    tokens,
    Object.entries(TOKENS)
      .map(([role, token]) => `[[token]]\nid = "${role}-test"\nrole = "${role}"\nsha256 = "${sha256(token)}"\n`)
      .join('\n'),
  );
  const secret = path.join(dir, 'secret.txt');
  fs.writeFileSync(secret, 'web-e2e-test-secret-0123456789abcdef');
  return { dir, snapshot, truth, tokens, secret, residentIds: residentIds(dir, truth) };
}

/** Whether this clew opens the snapshot (a world left by an older build may not). */
function opens(clew, snapshot) {
  if (!fs.existsSync(snapshot)) return false;
  try {
    execFileSync(clew, ['info', snapshot], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

/** Every resident ID the world holds: the person_id column of persons.csv, and every 18-character ID in truth.json. */
function residentIds(dir, truth) {
  const ids = new Set();
  const rid = /\b\d{17}[\dXx]\b/g;
  const persons = fs.readFileSync(path.join(dir, 'persons.csv'), 'utf8');
  for (const line of persons.split('\n').slice(1)) {
    const first = line.split(',')[0].replace(/\s/g, '').toUpperCase();
    if (/^\d{17}[\dX]$/.test(first)) ids.add(first);
  }
  for (const m of JSON.stringify(truth).matchAll(rid)) ids.add(m[0].toUpperCase());
  return [...ids];
}

/**
 * The analysis the server reads (`<snapshot>.analysis/clusters.jsonl` and `alerts.jsonl`, the
 * output contract of the detection issue), made from the planted patterns: rings red, shell
 * networks orange, transfer cycles yellow, innocent families blue. Reasons cite resident IDs
 * and phones on purpose, so that the masking of free text is on screen in the viewer test.
 */
export function writeAnalysis(analysisDir, truth) {
  fs.mkdirSync(analysisDir, { recursive: true });
  const p = truth.patterns;
  const ref = (type, key) => ({ type, key });
  const clusters = [];
  p.collusion_rings.forEach((ring, i) => {
    clusters.push({
      cluster_id: `ring-${i + 1}`,
      kind: 'ring',
      risk_score: 0.95 - i * 0.02,
      level: 'red',
      members: [
        ...ring.members.map((k) => ref('person', k)),
        ...ring.phones.map((k) => ref('phone', k)),
        ...ring.addresses.map((k) => ref('address', k)),
        ...ring.accounts.map((k) => ref('account', k)),
      ],
      reasons: [
        `${ring.members.length} persons share ${ring.phones.length} phone(s) and ${ring.addresses.length} address(es)`,
        `${ring.claims.length} claims, all at hospital ${ring.hospital}, paid into ${ring.accounts.length} accounts held by members`,
        `member ${ring.members[0]} shares phone ${ring.phones[0]} with ${ring.members.length - 1} others`,
      ],
    });
  });
  p.shell_networks.forEach((net, i) => {
    clusters.push({
      cluster_id: `shell-${i + 1}`,
      kind: 'shell_network',
      risk_score: 0.8 - i * 0.02,
      level: 'orange',
      members: [
        ...net.companies.map((k) => ref('company', k)),
        ...net.legal_reps.map((k) => ref('person', k)),
        ...net.accounts.map((k) => ref('account', k)),
        ref('address', net.address),
        ref('phone', net.phone),
      ],
      reasons: [
        `${net.companies.length} companies registered at one address with one phone`,
        `circular shareholding: ${net.companies.join(' → ')} → ${net.companies[0]}`,
        `legal representative ${net.legal_reps[0]} represents several of them`,
      ],
    });
  });
  p.transfer_cycles.forEach((cycle, i) => {
    clusters.push({
      cluster_id: `cycle-${i + 1}`,
      kind: 'transfer_cycle',
      risk_score: 0.6 - i * 0.02,
      level: 'yellow',
      members: cycle.accounts.map((k) => ref('account', k)),
      reasons: [
        `${Math.round(cycle.returned * 100)}% of ¥${(cycle.amounts_cents[0] / 100).toFixed(2)} came back to ${cycle.accounts[0]} in ${cycle.days} days`,
      ],
    });
  });
  truth.lookalikes.families.forEach((family, i) => {
    clusters.push({
      cluster_id: `family-${i + 1}`,
      kind: 'shared_address',
      risk_score: 0.1,
      level: 'blue',
      members: [...family.members.map((k) => ref('person', k)), ref('address', family.address)],
      reasons: [`${family.members.length} persons at one address with ordinary claims`],
    });
  });
  const alerts = [];
  const alert = (rule, claim, score, level, reasons) => alerts.push({ rule, record: ref('claim', claim), score, level, reasons });
  for (const s of p.overlapping_stays) {
    alert('overlapping_stay', s.claims[1], 0.9, 'red', [
      `person ${s.person} in ${s.hospitals[0]} and ${s.hospitals[1]} at once for ${s.overlap_days} days (claims ${s.claims[0]}, ${s.claims[1]})`,
    ]);
  }
  for (const d of p.claims_after_death) {
    for (const c of d.claims) alert('claim_after_death', c, 0.95, 'red', [`claim dated after the death of ${d.person} on ${d.death_date}`]);
  }
  for (const d of p.duplicate_claims) {
    alert('duplicate_claim', d.claims[1], 0.7, 'orange', [`same person ${d.person}, same hospital ${d.hospital}: ${d.claims.join(' and ')}`]);
  }
  for (const o of p.reimbursed_over_billed) {
    alert('reimbursed_over_billed', o.claim, 0.6, 'orange', [
      `reimbursed ¥${(o.reimbursed_cents / 100).toFixed(2)} of ¥${(o.billed_cents / 100).toFixed(2)} billed`,
    ]);
  }
  for (const o of p.paid_to_other) {
    alert('paid_to_other', o.claim, 0.5, 'yellow', [`paid to account ${o.account} held by ${o.holder}, not the claimant ${o.claimant}`]);
  }
  fs.writeFileSync(path.join(analysisDir, 'clusters.jsonl'), clusters.map((c) => JSON.stringify(c)).join('\n') + '\n');
  fs.writeFileSync(path.join(analysisDir, 'alerts.jsonl'), alerts.map((a) => JSON.stringify(a)).join('\n') + '\n');
}

/**
 * Starts `clew serve` on 127.0.0.1:0 and resolves with its base URL once it prints its
 * address. `auth` is 'tokens' (the world's tokens file) or 'none'.
 */
export function startServer(clew, world, { auth = 'tokens', web } = {}) {
  const args = ['serve', world.snapshot, '--addr', '127.0.0.1:0', '--secret-file', world.secret];
  if (auth === 'none') args.push('--no-auth', '--no-audit');
  else args.push('--tokens', world.tokens, '--audit', path.join(world.dir, 'audit.jsonl'));
  if (web) args.push('--web', web);
  const child = spawn(clew, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // However the test process ends, the server it started ends with it.
  const reap = () => child.exitCode === null && child.kill('SIGKILL');
  process.on('exit', reap);
  child.on('exit', () => process.off('exit', reap));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`clew serve printed no address within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/[^\s)]+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, stop: () => stop(child) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`clew serve exited with ${code}:\n${output}`));
    });
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
