// The Prometheus gauge verdict_regression{service,environment,version,metric}: 1 while an episode is
// firing, 0 once it resolved. Its own prom-client registry, appended to the collector's /metrics.
import { Gauge, Registry } from 'prom-client';
import type { Watcher } from './watcher.js';

export function regressionGauge(watcher: Pick<Watcher, 'gauge'>): () => Promise<string> {
  const registry = new Registry();
  new Gauge({
    name: 'verdict_regression',
    help: '1 while a regression alert is firing for the version and metric, 0 after it resolved.',
    labelNames: ['service', 'environment', 'version', 'metric'],
    registers: [registry],
    collect() {
      this.reset();
      for (const g of watcher.gauge()) this.set(g.labels, g.value);
    },
  });
  return () => registry.metrics();
}
