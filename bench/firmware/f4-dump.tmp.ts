import { getQuickJS } from 'quickjs-emscripten';
const m = await getQuickJS(); const rt = m.newRuntime(); const vm = rt.newContext();
const e = vm.evalCode('var a = [function(){}, {x:1}, new Map()]'); (e.value ?? e.error).dispose();
console.log(rt.dumpMemoryUsage());
