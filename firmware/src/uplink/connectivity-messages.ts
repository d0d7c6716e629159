/**
 * Connectivity (F2) message union, part of AppMessage.
 *
 * Inputs (published by others):
 *   UPLOAD_REQUESTED   ask for a session now (factory console, tests); reason is free text for the trace
 * Outputs (published by connectivity):
 *   UPLOAD_STARTED     a session began (reason: lid | symptom | event | heartbeat | retry | command | request | boot)
 *   UPLOAD_FINISHED    a session ended; ok, failure reason, consecutive failures, next attempt delay
 *   LINK_STATE         the connection supervisor changed state (off ... mqtt_connected ... psm | failed)
 * Connectivity also publishes the core's inputs EVENTS_ACKED, CONFIG_RECEIVED and COMMAND_RECEIVED
 * (declared in app-messages.ts).
 */
export type ConnectivityMessage =
  | { type: 'UPLOAD_REQUESTED'; reason: string }
  | { type: 'UPLOAD_STARTED'; reason: string }
  | { type: 'UPLOAD_FINISHED'; ok: boolean; reason?: string; failures: number; nextInMs?: number }
  | { type: 'LINK_STATE'; state: string };
