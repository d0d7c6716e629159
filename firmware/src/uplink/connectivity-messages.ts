/**
 * Placeholder owned by F2 (connectivity): F2 replaces this with the union of the uplink/modem modules'
 * message types. Until then connectivity contributes no messages to AppMessage.
 */
export type ConnectivityMessage = never;
