/**
 * The names a strategy's `explain` gives its values ("EMA(9)", "RSI(14)") depend only on its
 * parameters, so they are built once per parameters object (a bound strategy's are frozen and kept)
 * rather than as fresh text on every candle of every friend. An explain fills an empty object with
 * them (`out[label] = value`): an object literal with computed keys is several times slower to build.
 */
export function labelsOf<P extends object, L>(make: (params: P) => L): (params: P) => L {
  const memo = new WeakMap<P, L>();
  return (params) => {
    let labels = memo.get(params);
    if (labels === undefined) memo.set(params, (labels = make(params)));
    return labels;
  };
}
