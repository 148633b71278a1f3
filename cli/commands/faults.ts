/**
 * @module `margo-conformance faults`: the deliberate faults of the mock WFM (for the `wfm` suite's self-test)
 * and of the device simulator (for the `client` suite's self-test), each with the rule it breaks.
 */
import { DEVICE_FAULTS } from '../../device-simulator/faults.js';
import { CLIENT_FAULT_KINDS, MOCK_FAULTS } from '../../mock-server/faults.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';

/** Prints the fault catalogue. @returns exit code 0 */
export async function runFaultsCommand(opts: { json?: boolean }, io: CliIo): Promise<number> {
  const mock = MOCK_FAULTS.map((f) => ({ name: f.name, breaks: f.breaks, clause: f.clause }));
  const perClient = CLIENT_FAULT_KINDS.map((f) => ({ kind: f.kind, effect: f.effect }));
  const device = DEVICE_FAULTS.map((f) => ({ name: f.name, breaks: f.breaks }));
  if (opts.json === true) {
    io.stdout(JSON.stringify({ mock, mockPerClient: perClient, device }, null, 2));
    return EXIT.conformant;
  }
  const width = Math.max(...[...mock, ...device].map((f) => f.name.length), ...perClient.map((f) => f.kind.length)) + 2;
  io.stdout('Mock WFM faults (mock-server --fault NAME; each breaks one rule):');
  for (const f of mock) io.stdout(`  ${f.name.padEnd(width)}${f.breaks}`);
  io.stdout('');
  io.stdout('Mock WFM per-client faults (admin API POST /admin/api/faults; used by the client suite):');
  for (const f of perClient) io.stdout(`  ${f.kind.padEnd(width)}${f.effect}`);
  io.stdout('');
  io.stdout('Device simulator faults (device --fault NAME, or MARGO_DEVICE_FAULTS=a,b):');
  for (const f of device) io.stdout(`  ${f.name.padEnd(width)}${f.breaks}`);
  return EXIT.conformant;
}
