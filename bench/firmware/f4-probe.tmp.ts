import { simulate } from '../../simulator/src/simulate.ts';
import { QuickJsRuntime } from '../../simulator/src/quickjs-runtime.ts';
const EVERY = Number(process.env.EVERY ?? 2000);
const days = Number(process.env.DAYS ?? 30);
const conn = process.env.CONN !== '0';
const GC = `(function(){ var w = new WeakRef((function(){var o={}; o.o=o; return o;})()); var n=0; while (w.deref() !== undefined && n < 1e7) { var a={}; a.a=a; n++; } return n; })()`;
const proto = QuickJsRuntime.prototype as any;
const orig = proto.afterCall;
let calls = 0; let peak: any; let first: any; const rows: any[] = [];
proto.afterCall = function (vm: any, result: any) {
  orig.call(this, vm, result);
  calls++;
  if (calls % EVERY !== 0 || !vm.alive) return;
  const r = vm.evalCode(GC); if (r.error) { console.log('gc err', vm.dump(r.error)); r.error.dispose(); return; } r.value.dispose();
  const m = this.measure().raw;
  if (!first) first = m;
  if (calls <= 4) console.log('call', calls, m.memory_used_size, this.runtime.dumpMemoryUsage().split('NAME')[0]);
  rows.push(m);
  if (!peak || m.memory_used_size > peak.memory_used_size) { peak = m; (globalThis as any).peakDump = this.runtime.dumpMemoryUsage(); }
};
const res = await simulate({ scenario: 'adherent', days, seed: 1, runtime: 'quickjs', connectivity: conn, sampleMemory: false });
console.log('calls', calls, 'acked', res.totals.acknowledged);
const keys = ['memory_used_size','obj_count','obj_size','prop_count','prop_size','shape_count','shape_size','str_count','str_size','array_count','fast_array_count','fast_array_elements','binary_object_count','binary_object_size','js_func_count','c_func_count','atom_count','atom_size','malloc_count'];
const last = rows[rows.length-1];
for (const k of keys) console.log(k.padEnd(22), String(first[k]).padStart(9), String(peak[k]).padStart(9), String(last[k]).padStart(9));
const series = rows.filter((_, i) => i % Math.max(1, Math.floor(rows.length / 30)) === 0).map((r) => r.memory_used_size);
console.log(series.join(' '));
{
  const { getQuickJS } = await import('quickjs-emscripten');
  const { simulatorBundle } = await import('../../simulator/src/quickjs-runtime.ts');
  const m = await getQuickJS(); const rt = m.newRuntime(); const vm = rt.newContext();
  const e = vm.evalCode(await simulatorBundle(), 'b.js', { strip: true } as any); (e.value ?? e.error).dispose();
  const g = vm.evalCode(GC); (g.value ?? g.error).dispose();
  const h = rt.computeMemoryUsage(); const d = (rt as any).context.dump(h); h.dispose();
  console.log('loaded after GC', d.memory_used_size, 'obj', d.obj_count, 'prop', d.prop_count, 'shape', d.shape_count, 'str', d.str_count, 'arr', d.array_count, 'elems', d.fast_array_elements, 'malloc', d.malloc_count);
  console.log((globalThis as any).peakDump); console.log('peak live above loaded', peak.memory_used_size - d.memory_used_size);
}
