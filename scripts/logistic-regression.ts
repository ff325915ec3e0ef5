/**
 * Logistic regression by AdaGrad with L2 over sparse features (indices into a weight table), in a fixed shuffled
 * order: seeded, so the weights are reproducible. The health model's and the document-number model's training scripts
 * share it; the caller chooses the table's precision (the health model ships float32 weights).
 */
export interface TrainingExample {
  features: Iterable<number>;
  label: 0 | 1;
}

export interface TrainingSettings {
  epochs: number;
  l2: number;
  rate: number;
  /** the shuffle's seed */
  seed: number;
}

export function trainLogistic<Table extends Float32Array | Float64Array>(
  examples: readonly TrainingExample[],
  weights: Table,
  squares: Table,
  { epochs, l2, rate, seed }: TrainingSettings,
): { bias: number; weights: Table } {
  squares.fill(1e-8);
  let bias = 0;
  let biasSquares = 1e-8;
  let state = seed;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const order = examples.map((_, k) => k);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [order[k], order[j]] = [order[j] as number, order[k] as number];
    }
    for (const index of order) {
      const { features, label } = examples[index] as TrainingExample;
      let score = bias;
      for (const f of features) score += weights[f] as number;
      const gradient = 1 / (1 + Math.exp(-score)) - label;
      for (const f of features) {
        const g = gradient + l2 * (weights[f] as number);
        squares[f] = (squares[f] as number) + g * g;
        weights[f] = (weights[f] as number) - (rate * g) / Math.sqrt(squares[f] as number);
      }
      biasSquares += gradient * gradient;
      bias -= (rate * gradient) / Math.sqrt(biasSquares);
    }
  }
  return { bias, weights };
}
