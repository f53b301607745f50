// Command-line flags derived from declarations made elsewhere, never listed here: a question's
// parameters (queries/, JSON Schema) become its command's options with their types, ranges,
// choices and defaults, and the collector's settings (store/config.ts) become serve's options.
import { InvalidArgumentError, Option } from 'commander';
import type { TObject, TSchema } from '@sinclair/typebox';
import { SETTINGS, type Setting, type VerdictConfig } from '../store/config.js';

/** `baselineFilter` → `baseline-filter`. */
export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

interface NumberSchema {
  type: 'integer' | 'number';
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: number[];
}

function numberParser(s: NumberSchema): (raw: string) => number {
  return (raw) => {
    const v = Number(raw);
    const kind = s.type === 'integer' ? 'an integer' : 'a number';
    if (raw.trim() === '' || !Number.isFinite(v) || (s.type === 'integer' && !Number.isInteger(v))) throw new InvalidArgumentError(`must be ${kind}`);
    if (s.enum && !s.enum.includes(v)) throw new InvalidArgumentError(`must be one of ${s.enum.join(', ')}`);
    const low = s.minimum !== undefined ? `at least ${s.minimum}` : s.exclusiveMinimum !== undefined ? `above ${s.exclusiveMinimum}` : undefined;
    const high = s.maximum !== undefined ? `at most ${s.maximum}` : s.exclusiveMaximum !== undefined ? `below ${s.exclusiveMaximum}` : undefined;
    const tooLow = (s.minimum !== undefined && v < s.minimum) || (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum);
    const tooHigh = (s.maximum !== undefined && v > s.maximum) || (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum);
    if (tooLow || tooHigh) throw new InvalidArgumentError(`must be ${kind} ${[low, high].filter(Boolean).join(' and ')}`);
    return v;
  };
}

/** One option per declared parameter, except those the command takes as positional arguments. */
export function questionOptions(params: TObject, except: readonly string[] = []): Option[] {
  const options: Option[] = [];
  for (const [name, schema] of Object.entries(params.properties) as [string, TSchema & { description?: string; default?: unknown; enum?: unknown[] }][]) {
    if (except.includes(name)) continue;
    const flag = kebab(name);
    // Defaults are shown, not sent: the question applies its own (the same declaration) when a
    // parameter is absent, so a command routed to another question keeps that one's defaults.
    const description = `${schema.description ?? ''}${schema.default !== undefined ? ` (default: ${String(schema.default)})` : ''}`;
    if (schema.type === 'boolean') {
      options.push(new Option(`--${flag}`, description));
      continue;
    }
    const numeric = schema.type === 'integer' || schema.type === 'number';
    const option = new Option(`--${flag} <${numeric ? 'n' : name === 'from' || name === 'to' ? 'time' : kebab(name)}>`, description);
    if (numeric) option.argParser(numberParser(schema as unknown as NumberSchema));
    else if (schema.enum) option.choices(schema.enum.map(String));
    options.push(option);
  }
  return options;
}

/** serve's options: every setting that has a flag, as text (loadConfig parses and names bad values). */
export function settingOptions(keep: (s: Setting) => boolean = () => true): Option[] {
  return SETTINGS.filter((s) => s.flag && keep(s)).map((s) => {
    // The variable is read by loadConfig (with the variable's name in its errors), not by commander.
    const description = `${s.description} (${s.env})`;
    return s.kind === 'boolean' ? new Option(`--${s.flag}`, description) : new Option(`--${s.flag} <value>`, description);
  });
}

/** The settings a reading command takes: where the data is (a folder or a server) and the local API port. */
export const READ_SETTINGS = (s: Setting) => ['dataDir', 'apiPort', 'clickhouseUrl', 'clickhouseUser', 'clickhousePassword', 'clickhouseDatabase'].includes(s.key);

/** Commander's parsed setting values back into loadConfig's flags (`data-dir` → value). */
export function settingFlags(values: Record<string, unknown>): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const s of SETTINGS) {
    const v = values[s.key as keyof VerdictConfig & string];
    if (s.flag && v !== undefined) flags[s.flag] = v === true ? 'true' : String(v);
  }
  return flags;
}
