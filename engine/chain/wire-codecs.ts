import {
  getCompiledTransactionMessageDecoder,
  getCompiledTransactionMessageEncoder,
  getTransactionDecoder,
  getTransactionEncoder,
} from '@solana/kit';

/**
 * The transaction and message codecs, built once. Kit's getters assemble a
 * new tree of combinators on every call (tens to hundreds of µs for a
 * message codec), and the order path, the signing policy and the sandbox each
 * decode or encode a transaction several times per order. The codecs hold no
 * state, so one of each serves every caller.
 */
export const transactionDecoder = getTransactionDecoder();
export const transactionEncoder = getTransactionEncoder();
export const messageDecoder = getCompiledTransactionMessageDecoder();
export const messageEncoder = getCompiledTransactionMessageEncoder();
