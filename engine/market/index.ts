export {
  KNOWN_TOKENS,
  NATIVE_SOL,
  WRAPPED_SOL_MINT,
  TOKEN_PROGRAM,
  TOKEN_2022_PROGRAM,
  tokenBySymbol,
  tokenByMint,
  splTokens,
  type TokenInfo,
} from './tokens';
export { parseUnits, formatUnits } from './amounts';
