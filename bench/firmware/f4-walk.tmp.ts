import { simulate } from '../../simulator/src/simulate.ts';
import { QuickJsRuntime } from '../../simulator/src/quickjs-runtime.ts';
const WALK = `(function () {
  var seen = new Set(); var out = [];
  function size(o, depth, acc) {
    if (o === null || o === undefined) return;
    var t = typeof o;
    if (t === 'string') { acc.s += o.length; return; }
    if (t !== 'object' && t !== 'function') return;
    if (seen.has(o)) return; seen.add(o);
    acc.o++;
    if (t === 'function') { acc.f++; return; }
    if (o instanceof Uint8Array || o instanceof ArrayBuffer) { acc.b += o.byteLength; return; }
    var keys = Reflect.ownKeys(o); acc.p += keys.length;
    for (var i = 0; i < keys.length; i++) { var d = Object.getOwnPropertyDescriptor(o, keys[i]); if (d && 'value' in d) size(d.value, depth + 1, acc); }
  }
  function report(name, o, depth) {
    var acc = { o: 0, p: 0, s: 0, b: 0, f: 0 }; size(o, 0, acc);
    return name + ' objs=' + acc.o + ' fns=' + acc.f + ' props=' + acc.p + ' strchars=' + acc.s + ' bytes=' + acc.b;
  }
  var f = globalThis.__f4; if (!f) return 'none';
  var lines = [];
  ['ctx','engine','supervisor','policy','heartbeat','env','uplink','session'].forEach(function (k) {
    var v = k === 'session' ? f.session : f[k];
    if (v && typeof v === 'object') {
      Reflect.ownKeys(v).forEach(function (kk) { var d = Object.getOwnPropertyDescriptor(v, kk); if (d && 'value' in d) { var acc = { o: 0, p: 0, s: 0, b: 0, f: 0 }; size(d.value, 0, acc); if (acc.o + acc.s + acc.b > 3) lines.push(k + '.' + String(kk) + ' objs=' + acc.o + ' fns=' + acc.f + ' props=' + acc.p + ' strchars=' + acc.s + ' bytes=' + acc.b); } });
    }
  });
  return lines.join('\\n');
})()`;
const proto = QuickJsRuntime.prototype as any;
const orig = proto.afterCall;
let best = 0; let dump = ''; let n = 0;
proto.afterCall = function (vm: any, result: any) {
  const before = this.mem.peakAfterGcBytes;
  orig.call(this, vm, result);
  n++;
  if (!vm.alive || this.mem.peakAfterGcBytes <= before || n < 5) return;
  const r = vm.evalCode(WALK); if (r.error) { dump = JSON.stringify(vm.dump(r.error)); r.error.dispose(); return; }
  dump = `live=${this.mem.peakAfterGcBytes - this.mem.loadedAfterGcBytes} at call ${n}\n` + vm.dump(r.value) + '\n' + this.runtime.dumpMemoryUsage().split('NAME')[0]; r.value.dispose();
};
await simulate({ scenario: 'adherent', days: Number(process.env.DAYS ?? 30), seed: 1, runtime: 'quickjs', connectivity: true, sampleMemory: true });
console.log(dump);
