/** What the cap reported over the window, in the words the old support view used (nothing about its patient). */
import type { Diagnostics } from '../api/endpoints.ts';
import { plural } from '../components/format.ts';
import { browserZone, supportTime } from './support-labels.ts';

export function CapFacts({ d }: { d: Diagnostics }) {
  const facts: [string, string][] = [
    ['Last seen', supportTime(d.lastSeenAt)],
    ['Last heartbeat', supportTime(d.lastHeartbeatAt)],
    [
      'Signal',
      d.signal.rsrpDbm === null
        ? 'unknown'
        : `${d.signal.rsrpDbm} dBm (${d.signal.band})${d.signal.sinrDb === null ? '' : `, SINR ${d.signal.sinrDb} dB`}${d.signal.rsrqDb === null ? '' : `, RSRQ ${d.signal.rsrqDb} dB`}${d.signal.ceLevel === null ? '' : `, CE level ${d.signal.ceLevel}`}`,
    ],
    ['Network', `${d.signal.operator ?? 'operator unknown'}${d.signal.lteBand === null ? '' : `, LTE band ${d.signal.lteBand}`}`],
    ['Battery', d.battery.pct === null ? 'unknown' : `${d.battery.pct}%${d.battery.mv === null ? '' : ` (${d.battery.mv} mV)`}${d.battery.dropPctPerDay === null ? '' : `, −${d.battery.dropPctPerDay}%/day`}`],
    ['Queue', d.queue.depth === null ? 'unknown' : `${plural(d.queue.depth, 'event')} waiting${d.queue.oldestAgeS ? `, oldest ${Math.round(d.queue.oldestAgeS / 3600)} h` : ''}`],
    ['Uploads', d.uploads.successRatio === null ? 'no attempts recorded' : `${Math.round(d.uploads.successRatio * 100)}% succeeded (${d.uploads.ok} ok, ${d.uploads.failed} failed)`],
    ['Connections', `${plural(d.uploads.attachFailures, 'failed attach', 'failed attaches')}, ${plural(d.uploads.connectionLosses, 'dropped connection')}`],
    ['Missing events', `${d.seqGaps.missing} (acknowledged up to seq ${d.queue.ackSeq}; ${d.queue.droppedTotal} dropped by the cap)`],
    ['Unexpected reboots', String(d.reboots.unexpected)],
    ['Power losses', String(d.reboots.powerLosses)],
    ['Boot count', d.reboots.bootCount === null ? 'unknown' : String(d.reboots.bootCount)],
    ['Clock corrections', String(d.clock.correctionsInWindow)],
    ['Firmware', `${d.firmware.app ?? '?'} / modem ${d.firmware.modem ?? '?'}`],
  ];
  return (
    <section class="card" aria-labelledby="facts-title">
      <h2 id="facts-title">Health</h2>
      <dl class="facts" data-testid="facts">
        {facts.map(([label, value]) => (
          <div key={label} class="fact">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p class="hint">
        Counts cover the last {plural(d.windowDays, 'day')}; times are in {browserZone()} (this browser's zone).
      </p>
    </section>
  );
}
