/**
 * @module The command-line grammar (commander). Each action delegates to a module in `cli/commands/` and
 * returns an exit code; nothing here exits the process.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { closestName } from '../core/suggest.js';
import { toolVersion } from '../core/paths.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';

/** Flags shared by the commands that run a suite and write reports. */
export interface ReportFlags {
  config?: string;
  profile?: string;
  timeout?: string;
  only?: string[];
  skip?: string[];
  reportDir?: string;
  format?: string;
  failOn?: 'fail' | 'warn';
  certification?: boolean;
  expectedFailures?: string;
  progress?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value.split(',').map((s) => s.trim()).filter(Boolean),
];

/**
 * `collect` for selection flags: `--only ''` would select nothing and silently run everything, so an empty value
 * is a usage error (commander prints it on one line, exit 2).
 */
function collectIds(flag: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) throw new InvalidArgumentError(`${flag} needs at least one id or glob`);
    return [...(previous ?? []), ...ids];
  };
}

/** A path flag: `resolve(cwd, '')` is the working directory itself, so an empty path is a usage error. */
function nonEmptyPath(flag: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`${flag} needs a non-empty path`);
    return value;
  };
}

function addReportOptions<C extends Command<[], Record<string, unknown>>>(cmd: C): C {
  cmd
    .option('--config <file>', 'YAML configuration file (flags > env > file)', nonEmptyPath('--config'))
    .option('--profile <id>', 'spec profile: rfc9421-v1 (default) | rfc9421-rc2')
    .option('--timeout <ms>', 'per-request timeout in milliseconds (1..600000)')
    .option('--only <ids>', 'run only these check ids or globs (comma separated, repeatable)', collectIds('--only'))
    .option('--skip <ids>', 'skip these check ids or globs (comma separated, repeatable)', collectIds('--skip'))
    .option('--report-dir <dir>', 'where reports go (default ./reports/<timestamp>/)', nonEmptyPath('--report-dir'))
    .option('--format <list>', 'report formats: json,junit,html,md (default: all)')
    .addOption(new Option('--fail-on <level>', 'fail the run on fail (default) or also on warn').choices(['fail', 'warn']))
    .option('--certification', 'certification run: no skips, no expected failures, full catalogue, SHA-256 manifest')
    .option('--expected-failures <file>', 'YAML baseline of known failures (check-id: reason, per role)', nonEmptyPath('--expected-failures'))
    .option('--no-progress', 'no live progress lines');
  return cmd;
}

/** Commands that run until a signal stops them (their stop on SIGINT/SIGTERM is the normal end, not an interruption). */
const SERVER_COMMANDS: readonly string[] = ['mock-server'];

/** True when `argv` starts a server command ({@link SERVER_COMMANDS}). */
export function isServerCommand(argv: readonly string[]): boolean {
  const command = argv.find((a) => !a.startsWith('-'));
  return command !== undefined && SERVER_COMMANDS.includes(command);
}

/**
 * Parses `argv` and runs the chosen command.
 * @returns the exit code (0 conformant, 1 failures, 2 usage/config, 3 unreachable/TLS, 4 harness, 5 nothing executed)
 * @throws ConformanceError from commands; `cli/main.ts` maps it to an exit code
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.conformant;
  const program = new Command()
    .name('margo-conformance')
    .description(
      'Conformance suite for the Margo WFM management interface.\n' +
        'Without a command: run the wfm suite against --target (or, without --target, against the built-in mock WFM).',
    )
    .version(toolVersion, '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s.replace(/\n$/, '')),
      writeErr: (s) => io.stderr(s.replace(/\n$/, '')),
      outputError: (s, write) => write(s.trim().replace(/\n+/g, ' ')),
    })
    .showSuggestionAfterError(true);

  addReportOptions(program)
    .option('--target <url>', 'WFM base URL, e.g. https://wfm.example or https://host/prefix (env MARGO_TARGET)')
    .option('--ca <file>', 'root CA of the WFM as PEM, provisioned out of band (env MARGO_CA)')
    .option('--insecure-bootstrap', 'fetch the root CA over unverified TLS (stated in the report)')
    .option('--operator-command <cmd>', 'shell command that performs an operator action (env MARGO_CERT_FINGERPRINT, MARGO_CERT_PEM_PATH, MARGO_OPERATOR_ACTION)')
    .option('--operator-hook <url>', 'HTTP hook that performs an operator action (POST JSON {action, fingerprint, certificatePem})')
    .option('--operator-prompt', 'ask on the terminal to perform operator actions')
    .option('--trust <mode>', 'how the target trusts device certificates: ca-chain (default) | any-cert')
    .option('--device-ca-dir <dir>', 'where the persistent device CA lives (default .margo/pki)', nonEmptyPath('--device-ca-dir'))
    .action(async (opts) => {
      // The root command takes no operands; one here is a mistyped command name (see allowExcessArguments below).
      if (program.args.length > 0) failUnknownCommand(program, program.args[0] ?? '');
      const { runWfmCommand } = await import('./commands/run-wfm.js');
      exitCode = await runWfmCommand(opts, io);
    });

  program
    .command('list')
    .description('print the check catalogue without touching any target')
    .addOption(new Option('--role <role>', 'wfm | client | all').choices(['wfm', 'client', 'all']).default('all'))
    .option('--profile <id>', 'profile to mark applicable checks for')
    .option('--json', 'machine-readable output')
    .action(async (opts) => {
      const { runListCommand } = await import('./commands/list.js');
      exitCode = await runListCommand(opts, io);
    });

  program
    .command('faults')
    .description('list the deliberate faults of the mock WFM and the device simulator, with the rule each breaks')
    .option('--json', 'machine-readable output')
    .action(async (opts) => {
      const { runFaultsCommand } = await import('./commands/faults.js');
      exitCode = await runFaultsCommand(opts, io);
    });

  program
    .command('mock-server')
    .description('start the mock WFM (HTTPS reference server with admin API and deliberate faults)')
    .option('--config <file>', 'YAML configuration file', nonEmptyPath('--config'))
    .option('--profile <id>', 'rfc9421-v1 (default) | rfc9421-rc2')
    .option('--host <host>', 'listen address (default 127.0.0.1)')
    .option('--port <port>', 'HTTPS port (default 8443; 0 = ephemeral)')
    .addOption(
      new Option('--onboarding <policy>', 'onboarding policy')
        .choices(['auto-approve', 'manual', 'reject-all', 'allowlist'])
        .default('auto-approve'),
    )
    .option('--trust-ca <file>', 'trust device certificates issued by this CA (repeatable)', collect)
    .option('--trust-any', 'accept any well-formed, currently valid device certificate')
    .option('--allow <fingerprint>', 'allowlist a certificate SHA-256 fingerprint (repeatable)', collect)
    .option('--fault <name>', 'enable a deliberate fault (repeatable; see `faults`)', collect)
    .option('--export-ca <file>', 'write the root CA as PEM to this file')
    .option('--data-dir <dir>', 'persist state here (survives restarts)', nonEmptyPath('--data-dir'))
    .option('--plain-http-port <port>', 'opt-in plain-HTTP listener serving only the certificate endpoint')
    .option('--admin-host <host>', 'admin listener address (default 127.0.0.1)')
    .option('--admin-port <port>', 'admin listener port (default 0 = ephemeral)')
    .option('--admin-token <token>', 'admin token (default: random, printed at start)')
    .addOption(new Option('--tls-min <version>', 'minimum TLS version').choices(['TLSv1.2', 'TLSv1.3']))
    .option('--device-ca-dir <dir>', 'persistent device CA trusted by default (default .margo/pki)', nonEmptyPath('--device-ca-dir'))
    .action(async (opts) => {
      const { runMockServerCommand } = await import('./commands/mock-server.js');
      exitCode = await runMockServerCommand(opts, io);
    });

  program
    .command('device')
    .description('run the device simulator: CA download, pinning, onboarding, capabilities, desired state, status')
    .option('--wfm <url>', 'WFM base URL (default env MARGO_WFM_URL)')
    .option('--ca <file>', 'root CA PEM provisioned out of band (skips the certificate download)')
    .option('--ca-from-env', 'take the root CA from MARGO_CA_FILE instead of downloading it')
    .option('--ca-url <url>', 'download the root CA from this plain-HTTP URL (the mock WFM\'s --plain-http-port) instead of over unverified TLS')
    .option('--config <file>', 'YAML configuration file', nonEmptyPath('--config'))
    .option('--profile <id>', 'rfc9421-v1 (default) | rfc9421-rc2')
    .option('--fault <name>', 'deliberate fault (repeatable; see `faults`)', collect)
    .option('--key-type <type>', 'ec-p256 (default) | ec-p384 | rsa-2048 | rsa-3072 | ed25519')
    .option('--device-id <id>', 'deviceId reported in capabilities (default derived from the certificate)')
    .option('--device-ca-dir <dir>', 'persistent device CA the device certificate is issued under (default .margo/pki, as mock-server trusts)', nonEmptyPath('--device-ca-dir'))
    .option('--timeout <ms>', 'per-request timeout in milliseconds (1..600000)')
    .option('--verbose', 'also print each request line')
    .action(async (opts) => {
      const { runDeviceCliCommand } = await import('./commands/device.js');
      exitCode = await runDeviceCliCommand(opts, io);
    });

  addReportOptions(
    program
      .command('client')
      .description("certify a device's management client: runs it against a fresh mock WFM per scenario"),
  )
    .option('--command <cmd>', 'shell command that starts the client (gets MARGO_WFM_URL, MARGO_CA_FILE, MARGO_SCENARIO, MARGO_CONTEXT)')
    .option('--manual', 'no command: print URL and CA per scenario and wait for the operator')
    .option('--scenario-timeout <ms>', 'per-scenario timeout in milliseconds (1..600000, default 30000)')
    .action(async (opts) => {
      const { runClientCommand } = await import('./commands/client.js');
      exitCode = await runClientCommand(opts, io);
    });

  program
    .command('selftest')
    .description('prove the suites: run them against the clean peers and against every deliberate fault')
    .addOption(new Option('--role <role>', 'wfm | client | all').choices(['wfm', 'client', 'all']).default('all'))
    .option('--report-dir <dir>', 'also write the reports of the fault runs here', nonEmptyPath('--report-dir'))
    .option('--json', 'print the matrix as JSON')
    .action(async (opts) => {
      const { runSelftestCommand } = await import('./commands/selftest.js');
      exitCode = await runSelftestCommand(opts, io);
    });

  program
    .command('load')
    .description('fleet load mode: N simulated devices onboard, report, then poll and report at a steady rate')
    .option('--target <url>', 'WFM base URL (default: the embedded mock)')
    .option('--ca <file>', 'root CA PEM of the target')
    .option('--insecure-bootstrap', 'fetch the root CA over unverified TLS')
    .option('--profile <id>', 'rfc9421-v1 (default) | rfc9421-rc2')
    .option('--devices <n>', 'number of simulated devices', '50')
    .option('--concurrency <n>', 'devices active at once', '50')
    .option('--duration <time>', 'steady-state duration, e.g. 60s, 2m', '30s')
    .option('--rate <n>', 'steady-state cycles per second per device', '1')
    .option('--max-requests <n>', 'hard cap on requests (safety bound)')
    .option('--max-cycles <n>', 'steady-state cycles per device (count-bounded run with exact totals)')
    .option('--config <file>', 'YAML configuration file')
    .option('--timeout <ms>', 'per-request timeout in milliseconds')
    .option('--device-ca-dir <dir>', 'persistent device CA that issues the fleet (default .margo/pki)')
    .option('--workers <n>', 'worker threads (default: cores)')
    .option('--shard <i/n>', 'run one deterministic slice of the fleet, e.g. 1/4')
    .option('--key-type <type>', 'device key type (default ec-p256)')
    .option('--report-dir <dir>', 'where load.json and load.html go', nonEmptyPath('--report-dir'))
    .option('--no-progress', 'plain lines instead of a progress bar')
    .action(async (opts) => {
      const { runLoadCommand } = await import('./commands/load.js');
      exitCode = await runLoadCommand(opts, io);
    });

  program
    .command('merge-reports')
    .description('merge the JSON reports of load shards into one')
    .argument('<files...>', 'shard load.json files')
    .requiredOption('--out <dir>', 'where the merged load.json and load.html go', nonEmptyPath('--out'))
    .action(async (files, opts) => {
      const { runMergeReportsCommand } = await import('./commands/load.js');
      exitCode = await runMergeReportsCommand(files, opts, io);
    });

  program
    .command('pki')
    .description('generate the test PKI (root CA, intermediate, server and client leaves, bad variants, garbage) into a folder')
    .requiredOption('--out <dir>', 'output folder (keep it out of version control)', nonEmptyPath('--out'))
    .action(async (opts) => {
      const { runPkiCommand } = await import('./commands/pki.js');
      exitCode = await runPkiCommand(opts, io);
    });

  // Commander reports "unknown command" only for a root without an action; ours runs the wfm suite, so it lets
  // operands through (set after the subcommands exist: they copy the setting when created) and its action
  // rejects them. `help <command>` prints that command's help.
  program.allowExcessArguments(true).helpCommand('help [command]', 'show the help of a command');

  try {
    const [first, second] = argv;
    if (first === 'help' && second !== undefined && !commandNames(program).includes(second)) failUnknownCommand(program, second);
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const helpish = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      return helpish && err.exitCode === 0 ? EXIT.conformant : EXIT.usage;
    }
    throw err;
  }
  return exitCode;
}

function commandNames(program: Command<[], Record<string, unknown>>): string[] {
  return program.commands.map((c) => c.name());
}

/** Throws commander's one-line usage error (exit 2) for an unknown command, with the closest command name. */
function failUnknownCommand(program: Command<[], Record<string, unknown>>, name: string): never {
  const best = closestName(name, [...commandNames(program), 'help']);
  program.error(`error: unknown command '${name}'${best === undefined ? '' : ` (did you mean ${best}?)`}`, {
    code: 'commander.unknownCommand',
    exitCode: EXIT.usage,
  });
}
