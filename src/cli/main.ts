/** The `logharbor` command-line client. It speaks only the CloudWatch Logs API, through the AWS SDK. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  process.stderr.write(`logharbor: unknown command '${command}'. Run 'logharbor --help'.\n`);
  return 2;
}

const HELP = `Usage: logharbor <command> [options]

Commands:
  server        start the Logharbor server (logharbor server --help)
`;
