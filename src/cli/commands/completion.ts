/** `logharbor completion bash|zsh`: prints a completion script generated from the commands' options. */
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { bashCompletion, zshCompletion } from '../completion-scripts.js';

export const completion: Command = {
  name: 'completion',
  summary: 'print a bash or zsh completion script',
  usage: ['logharbor completion bash|zsh'],
  description:
    'Prints a completion script for commands, options and log group names (looked up with\n' +
    "'logharbor groups --names', using the --endpoint, --region and --profile on the line).",
  options: {},
  examples: [
    'source <(logharbor completion bash)            # in ~/.bashrc',
    'logharbor completion zsh > "${fpath[1]}/_logharbor"   # then restart zsh',
  ],
  positional: 'shell',
  async run(ctx) {
    const [shell, ...extra] = ctx.args.positionals;
    if (extra.length > 0 || (shell !== 'bash' && shell !== 'zsh')) throw new UsageError("logharbor completion: give 'bash' or 'zsh'");
    // Imported here: the command list imports this module.
    const { COMMANDS } = await import('../commands/index.js');
    ctx.io.stdout.write(shell === 'bash' ? bashCompletion(COMMANDS) : zshCompletion(COMMANDS));
    return EXIT.ok;
  },
};
