import { simulate } from '../../simulator/src/simulate.ts';
const conn = process.env.CONN !== '0';
const t = performance.now();
const r = await simulate({ scenario: 'adherent', days: Number(process.env.DAYS ?? 30), seed: 1, runtime: 'quickjs', connectivity: conn, sampleMemory: true });
console.log(JSON.stringify(r.quickjsHeap), r.totals.acknowledged, Math.round(performance.now() - t), 'ms');
