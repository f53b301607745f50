// Prices LLM usage at settle time: each distinct (provider, model, day) that verdict_usage holds
// is priced once, here in JS, into verdict_prices (USD per token); the settle SQL then joins
// those prices to every trace's token sums (schema/migrations/032_cost.sql). So a span is never
// priced one by one on the ingest path: the work per settle is one small query when nothing new
// arrived. Prices come from the user's prices file first, then @pydantic/genai-prices.
import type { ClickHouseClient } from '@clickhouse/client';
import { calcPrice } from '@pydantic/genai-prices';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { readSqlFile } from '../schema/sql-files.js';

/** Keys priced per insert statement: ~200 bytes each keeps the statement's URL well under servers' limits. */
const PRICE_ROWS_PER_INSERT = 40;

/** A price the user sets for a model the bundled data lacks (self-hosted, fine-tuned): USD per million tokens. */
export interface UserPrice {
  /** Matches gen_ai.provider.name (or gen_ai.system); absent: any provider. */
  provider?: string;
  model: string;
  input: number;
  output: number;
  /** Cached input read; absent: the input price. */
  cacheRead?: number;
  /** Cached input written; absent: the input price. */
  cacheWrite?: number;
}

/** One key's price in USD per token, or unpriced. */
export interface UnitPrice {
  priced: boolean;
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  /** What priced it: `genai-prices@<version>` or `prices-file:<file name>`; '' when unpriced. */
  source: string;
}

export interface Pricer {
  /** Prices every (provider, model, day) seen but not priced yet; resolves with how many it priced. */
  priceNewKeys(client: ClickHouseClient): Promise<number>;
}

export class PricesFileError extends Error {
  readonly code = 'PRICES_FILE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'PricesFileError';
  }
}

// The package does not export its package.json; it sits one folder above its entry point.
const GENAI_PRICES_VERSION = (JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve('@pydantic/genai-prices')), '..', 'package.json'), 'utf8')) as { version: string }).version;
export const BUNDLED_PRICE_SOURCE = `genai-prices@${GENAI_PRICES_VERSION}`;

/** Tokens per probe: small enough to stay below every tiered price's first threshold. */
const PROBE = 1000;

function bundledPrice(provider: string, model: string, day: string): UnitPrice | undefined {
  const timestamp = new Date(`${day}T12:00:00Z`);
  // The convention's provider names (gcp.gemini, aws.bedrock…) mostly resolve; an unknown one
  // falls back to matching the model alone.
  const total = (usage: Parameters<typeof calcPrice>[0]): number | undefined => {
    const withProvider = provider ? calcPrice(usage, model, { providerId: provider, timestamp }) : null;
    const result = withProvider ?? calcPrice(usage, model, { timestamp });
    return result ? result.total_price / PROBE : undefined;
  };
  const input = total({ input_tokens: PROBE });
  if (input === undefined) return undefined;
  return {
    priced: true,
    input,
    cacheRead: total({ input_tokens: PROBE, cache_read_tokens: PROBE }) ?? input,
    cacheWrite: total({ input_tokens: PROBE, cache_write_tokens: PROBE }) ?? input,
    output: total({ output_tokens: PROBE }) ?? 0,
    source: BUNDLED_PRICE_SOURCE,
  };
}

/** The price of one key: the user's file first (provider-specific before any-provider), then the bundled data. */
export function unitPrice(provider: string, model: string, day: string, userPrices: readonly UserPrice[] = [], fileName = 'prices'): UnitPrice {
  const own = userPrices.find((p) => p.model === model && p.provider === provider) ?? userPrices.find((p) => p.model === model && p.provider === undefined);
  if (own) {
    const perToken = (usdPerMillion: number) => usdPerMillion / 1e6;
    return {
      priced: true,
      input: perToken(own.input),
      cacheRead: perToken(own.cacheRead ?? own.input),
      cacheWrite: perToken(own.cacheWrite ?? own.input),
      output: perToken(own.output),
      source: `prices-file:${fileName}`,
    };
  }
  return bundledPrice(provider, model, day) ?? { priced: false, input: 0, cacheRead: 0, cacheWrite: 0, output: 0, source: '' };
}

/**
 * YAML through the `yaml` package, loaded only for a YAML prices file: it is a development
 * dependency today (to be moved to the dependencies), and an installed package without it must still
 * start; JSON prices files need nothing.
 */
function parseYaml(text: string): unknown {
  let yaml: { parse(text: string): unknown };
  try {
    yaml = createRequire(import.meta.url)('yaml') as typeof yaml;
  } catch {
    throw new Error('reading YAML needs the "yaml" package (npm install yaml), or give the prices as JSON');
  }
  return yaml.parse(text);
}

/** Reads a prices file (YAML or JSON): a list of UserPrice, or `{ models: [...] }`. */
export function loadPricesFile(path: string): UserPrice[] {
  let doc: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    doc = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new PricesFileError(`--prices ${path}: cannot read it: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { models?: unknown })?.models;
  if (!Array.isArray(list)) throw new PricesFileError(`--prices ${path}: expected a list of prices (or { models: [...] })`);
  return list.map((entry, i) => {
    const e = entry as Record<string, unknown>;
    const where = `--prices ${path}: entry ${i + 1}`;
    if (typeof e?.model !== 'string' || e.model === '') throw new PricesFileError(`${where}: model must be a non-empty string`);
    for (const field of ['input', 'output', 'cacheRead', 'cacheWrite'] as const) {
      const required = field === 'input' || field === 'output';
      if (e[field] === undefined && !required) continue;
      if (typeof e[field] !== 'number' || !Number.isFinite(e[field]) || (e[field] as number) < 0) {
        throw new PricesFileError(`${where} (${e.model}): ${field} must be a number ≥ 0 (USD per million tokens)`);
      }
    }
    if (e.provider !== undefined && typeof e.provider !== 'string') throw new PricesFileError(`${where} (${e.model}): provider must be a string`);
    return {
      model: e.model,
      input: e.input as number,
      output: e.output as number,
      ...(e.provider !== undefined ? { provider: e.provider as string } : {}),
      ...(e.cacheRead !== undefined ? { cacheRead: e.cacheRead as number } : {}),
      ...(e.cacheWrite !== undefined ? { cacheWrite: e.cacheWrite as number } : {}),
    };
  });
}

export function createPricer(options: { userPrices?: readonly UserPrice[]; pricesFile?: string } = {}): Pricer {
  const userPrices = options.userPrices ?? (options.pricesFile ? loadPricesFile(options.pricesFile) : []);
  const fileName = options.pricesFile ? basename(options.pricesFile) : 'prices';
  return {
    async priceNewKeys(client) {
      const pending = await client.query({
        query: `SELECT Provider, Model, toString(Day) AS Day FROM verdict_price_keys
                WHERE (Provider, Model, Day) NOT IN (SELECT Provider, Model, Day FROM verdict_prices)
                GROUP BY Provider, Model, Day`,
        format: 'JSONEachRow',
      });
      const keys = await pending.json<{ Provider: string; Model: string; Day: string }>();
      if (keys.length === 0) return 0;
      const values = keys.map((k) => {
        const p = unitPrice(k.Provider, k.Model, k.Day, userPrices, fileName);
        return {
          Provider: k.Provider,
          Model: k.Model,
          Day: k.Day,
          Priced: p.priced ? 1 : 0,
          InputPrice: p.input,
          CacheReadPrice: p.cacheRead,
          CacheWritePrice: p.cacheWrite,
          OutputPrice: p.output,
          PriceSource: p.source,
        };
      });
      // The rows travel as a query parameter, in the URL on a server: a few dozen keys at a time.
      for (let i = 0; i < values.length; i += PRICE_ROWS_PER_INSERT) {
        const rows = values.slice(i, i + PRICE_ROWS_PER_INSERT).map((v) => JSON.stringify(v)).join('\n');
        await client.command({ query: readSqlFile('store/prices-insert.sql'), query_params: { rows } });
      }
      return keys.length;
    },
  };
}
