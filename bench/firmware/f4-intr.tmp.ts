import { getQuickJS } from 'quickjs-emscripten';
import { simulatorBundle } from '../../simulator/src/quickjs-runtime.ts';
const GC = `(function(){ var w = new WeakRef((function(){var o={}; o.o=o; return o;})()); var n=0; while (w.deref() !== undefined && n < 1e7) { var a={}; a.a=a; n++; } return n; })()`;
const m = await getQuickJS();
for (const touch of [false, true]) {
const rt = m.newRuntime(); const vm = rt.newContext();
const mem = () => { const h = rt.computeMemoryUsage(); const d = (rt as any).context.dump(h); h.dispose(); return d; };
const ev = (c: string, o?: any) => { const r = vm.evalCode(c, 'x.js', o); if (r.error) { console.log(vm.dump(r.error)); r.error.dispose(); } else r.value.dispose(); };
ev(GC); const e0 = mem();
if (touch) ev(`(function () { var seen = []; function walk(o, d) { if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.indexOf(o) >= 0 || d > 3) return; seen.push(o); Reflect.ownKeys(o).forEach(function (k) { var desc = Object.getOwnPropertyDescriptor(o, k); if (desc && 'value' in desc) walk(desc.value, d + 1); else if (desc) { walk(desc.get, d + 1); walk(desc.set, d + 1); } }); walk(Object.getPrototypeOf(o), d + 1); } walk(globalThis, 0); })();`);
ev(GC); const e1 = mem();
ev(await simulatorBundle(), { strip: true }); ev(GC); const e2 = mem();
console.log({ touch, empty: e0.memory_used_size, touched: e1.memory_used_size, loaded: e2.memory_used_size, cfunc: [e0.c_func_count, e1.c_func_count, e2.c_func_count] });
console.log(rt.dumpMemoryUsage().split('NAME')[0]);
}
