// Prices: the user's file (YAML or JSON) wins over the bundled data, bad entries are errors naming
// the field, and a model nobody prices is unpriced (never $0).
import { calcPrice } from '@pydantic/genai-prices';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_PRICE_SOURCE, loadPricesFile, unitPrice } from '../../store/prices.js';

const dir = mkdtempSync(join(tmpdir(), 'verdict-prices-'));

describe('prices', () => {
  it('takes a YAML prices file for self-hosted models, provider-specific first', () => {
    const file = join(dir, 'prices.yaml');
    writeFileSync(file, 'models:\n  - model: my-finetune-7b\n    input: 0.5\n    output: 1.5\n    cacheRead: 0.1\n  - model: my-finetune-7b\n    provider: vllm\n    input: 0.2\n    output: 0.4\n');
    const prices = loadPricesFile(file);
    expect(unitPrice('openai', 'my-finetune-7b', '2026-01-01', prices, 'prices.yaml')).toEqual({ priced: true, input: expect.closeTo(0.5e-6, 15), cacheRead: expect.closeTo(0.1e-6, 15), cacheWrite: expect.closeTo(0.5e-6, 15), output: expect.closeTo(1.5e-6, 15), source: 'prices-file:prices.yaml' });
    expect(unitPrice('vllm', 'my-finetune-7b', '2026-01-01', prices).input).toBeCloseTo(0.2e-6, 15);
  });

  it('prices a bundled model per token as calcPrice does, and leaves an unknown one unpriced', () => {
    const p = unitPrice('anthropic', 'claude-sonnet-4-5', '2026-01-01');
    const usage = { input_tokens: 3000, cache_read_tokens: 1000, cache_write_tokens: 500, output_tokens: 700 };
    const expected = calcPrice(usage, 'claude-sonnet-4-5', { providerId: 'anthropic', timestamp: new Date('2026-01-01T12:00:00Z') })!.total_price;
    expect(1500 * p.input + 1000 * p.cacheRead + 500 * p.cacheWrite + 700 * p.output).toBeCloseTo(expected, 12);
    expect(p.source).toBe(BUNDLED_PRICE_SOURCE);
    expect(unitPrice('acme', 'no-such-model-x', '2026-01-01')).toMatchObject({ priced: false, source: '' });
  });

  it('refuses a bad entry, naming it', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify([{ model: 'x', input: 1, output: -2 }]));
    expect(() => loadPricesFile(file)).toThrow(/entry 1 \(x\): output must be a number ≥ 0/);
  });
});
