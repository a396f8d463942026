// Preloaded into a server (`node -r ./bench/allocation-sampler.js …`): V8's sampling heap profiler
// counting objects the garbage collector already freed too, so the profile shows what a run
// allocates (what GC then has to clear), not what it retains. SIGUSR2 writes it to
// $KAIROS_ALLOCATION_PROFILE (default ./allocations.heapprofile); read it with
// `node bench/allocation-summary.js FILE`.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new inspector.Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: Number(process.env.KAIROS_ALLOCATION_SAMPLING_BYTES ?? 16384),
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
process.on('SIGUSR2', () => {
  session.post('HeapProfiler.getSamplingProfile', (err, result) => {
    if (err) return console.error('allocation profile:', err);
    const file = process.env.KAIROS_ALLOCATION_PROFILE ?? 'allocations.heapprofile';
    writeFileSync(file, JSON.stringify(result.profile));
    console.error(`allocation profile written to ${file}`);
  });
});
