/**
 * TRACE: whether the firmware writes its debug trace lines (modem, AT engine, uplink) to `ports.log`.
 *
 * The device build defines `__PILLCAP_TRACE__` as false (firmware/build/build-firmware.ts), so esbuild folds
 * every `if (TRACE) log(...)` away together with its message text; everywhere else (the simulator's bundle,
 * tests, the in-process runtime) the define is absent and tracing stays on. Trace lines never change what the
 * firmware does: the argument of a guarded call must be free of side effects.
 */
declare const __PILLCAP_TRACE__: boolean | undefined;

export const TRACE: boolean = typeof __PILLCAP_TRACE__ === 'undefined' || __PILLCAP_TRACE__;
