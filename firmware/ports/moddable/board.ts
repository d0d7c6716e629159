/** Pin map and flash partition of the pillcap board (nRF52840 + BG95-M3). Change here for a new board. */
export const BOARD = {
  flashPartition: 'xs', // Moddable `flash` partition holding the firmware's data region
  flashWriteAlign: 4, // nRF52 NVMC programs 32-bit words
  lidPin: 2, // reed switch, 1 = lid open
  buttonPin: 3, // symptom button, active high after the board's inverter
  ledPin: 13,
  buzzerPin: 14,
  modemTx: 6,
  modemRx: 8,
  modemBaud: 115200,
  modemPwrKeyPin: 15,
  modemStatusPin: 16,
  modemDtrPin: 17,
  modemSupplyPin: 18,
  consolePort: 0, // USB CDC / test-pad UART for the factory console
  batteryAdcChannel: 0, // through a 1:2 divider, 12-bit, 3.6 V reference
} as const;
