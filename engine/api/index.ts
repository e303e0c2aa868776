export {
  commands,
  commandNames,
  isCommandName,
  User,
  WalletInfo,
  type CommandSpec,
  type Commands,
  type CommandName,
  type CommandInput,
  type ParsedInput,
  type CommandOutput,
} from './contract';
export { parseCommandInput, requireCommandName, describeIssues } from './validate';
