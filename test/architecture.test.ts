// The rooms table in docs/architecture.md is the rule: every module may import only its own room
// and the rooms its row lists. This reads the table and every module's imports, and fails on an
// arrow that points the wrong way, so the map and the code cannot drift apart.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../schema/sql-files.js';

interface Room {
  path: string;
  mayImport: string[];
}

function roomsFromDoc(): Room[] {
  const doc = readFileSync(join(PACKAGE_ROOT, 'docs', 'architecture.md'), 'utf8');
  const table = doc.slice(doc.indexOf('<!-- rooms:start -->'), doc.indexOf('<!-- rooms:end -->'));
  const rooms: Room[] = [];
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const path = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!path) continue;
    rooms.push({ path, mayImport: [...(cells[3] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]) });
  }
  return rooms;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

const rooms = roomsFromDoc();
const roomOf = (file: string): Room | undefined => {
  const rel = relative(PACKAGE_ROOT, file).split('\\').join('/');
  return rooms.filter((r) => rel.startsWith(r.path)).sort((a, b) => b.path.length - a.path.length)[0];
};

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
}

describe('rooms', () => {
  it('the table lists every room that holds code', () => {
    expect(rooms.map((r) => r.path)).toEqual(expect.arrayContaining(['collector/', 'queries/', 'api/', 'store/', 'schema/', 'cli/', 'instrumentation/']));
  });

  it('every import points to the module\'s own room or one its row allows', () => {
    const wrong: string[] = [];
    for (const room of rooms) {
      for (const file of sourceFiles(join(PACKAGE_ROOT, room.path))) {
        const own = roomOf(file)!;
        for (const spec of importsOf(file)) {
          if (!spec.startsWith('.')) continue;
          const target = roomOf(resolve(dirname(file), spec));
          if (!target || target === own || own.mayImport.includes(target.path)) continue;
          wrong.push(`${relative(PACKAGE_ROOT, file)} imports ${spec} (${target.path}), which ${own.path} may not`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('instrumentation needs nothing but OpenTelemetry (and its gRPC transport) and Node, so an app installs it without the engine', () => {
    const foreign = sourceFiles(join(PACKAGE_ROOT, 'instrumentation')).flatMap((file) =>
      importsOf(file)
        .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:') && !spec.startsWith('@opentelemetry/') && spec !== '@grpc/grpc-js')
        .map((spec) => `${relative(PACKAGE_ROOT, file)} imports ${spec}`),
    );
    expect(foreign).toEqual([]);
  });
});
